// Croupier Originals — what Dice and the Slot share: the bet field, the call to
// POST /originals/api/play, the balance, localised messages, the history strip and the fairness
// panel (POST /originals/api/seed). The games run inside the casino's iframe; after every answer
// that carries a balance they tell the casino page to refresh its own balance.
//
// Money stays exact: bets and balances are decimal strings, compared and stepped as BigInt minor
// units (money.js), and the balance shown is always the server's string as given.

import { decimals, fromUnits, toUnits } from "./money.js";

export const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");

const REFUSALS = ["notEnoughMoney", "invalidBet", "sessionExpired", "walletUnavailable", "limitReached", "playDisabled", "rejected"];

function readStrings(selector) {
  const out = {};
  document.querySelectorAll(selector).forEach((template) => {
    template.content.querySelectorAll("[data-key]").forEach((el) => {
      out[el.dataset.key] = el.textContent.trim();
    });
  });
  return out;
}

export function fill(text, params = {}) {
  return String(text || "").replace(/\{(\w+)\}/g, (all, name) => (name in params ? String(params[name]) : all));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Tween from `from` to `to` (numbers) over `ms`, calling `step(value)` on each frame. */
export function tween(from, to, ms, step, ease = (t) => 1 - Math.pow(1 - t, 3)) {
  if (reducedMotion.matches || ms <= 0 || from === to) {
    step(to);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const start = performance.now();
    const frame = (now) => {
      const t = Math.min(1, (now - start) / ms);
      step(from + (to - from) * ease(t));
      if (t < 1) requestAnimationFrame(frame);
      else resolve();
    };
    requestAnimationFrame(frame);
  });
}

/** Restarts a CSS animation class on `el`. */
export function pulse(el, className) {
  if (!el) return;
  el.classList.remove(className);
  void el.offsetWidth;
  el.classList.add(className);
}

export function createGame(root) {
  const strings = { ...readStrings("[data-og-messages]"), ...readStrings("[data-og-strings]") };
  const data = root.dataset;
  const session = data.session || "";
  const currency = data.currency || "";
  const minBet = data.minBet || "0";
  const maxBet = data.maxBet || "0";
  const betInput = root.querySelector('[data-testid="bet-input"]');
  // Bets are written to the precision of the limits ("0.10"); a balance may carry more decimals.
  const scale = Math.max(decimals(minBet), decimals(maxBet), decimals(betInput ? betInput.value : ""), 0);
  const min = toUnits(minBet, scale) ?? 0n;
  const max = toUnits(maxBet, scale) ?? 0n;

  const form = root.querySelector("[data-og-form]");
  const playButton = root.querySelector('[data-testid="play-button"]');
  const stepButtons = Array.from(root.querySelectorAll("[data-og-bet-step]"));
  const balanceEl = root.querySelector("[data-og-balance]");
  const balanceBox = root.querySelector(".og-balance");
  const limits = root.querySelector("[data-og-limits]");
  const messageBox = root.querySelector("[data-og-message]");
  const messageText = messageBox ? messageBox.querySelector("[data-og-message-text]") : null;
  const historyList = root.querySelector("[data-og-history-list]");
  const historyEmpty = root.querySelector("[data-og-history-empty]");

  let balance = data.balance || (balanceEl ? balanceEl.textContent.trim() : "");
  let busy = false;
  const busyListeners = [];

  if (limits && strings.limits) {
    limits.textContent = `${fill(strings.limits, { min: minBet, max: maxBet })} ${currency}`.trim();
  }

  /* ---------------------------------------------------------------- messages */

  function showMessage(key, params = {}) {
    if (!messageBox || !messageText) return;
    const text = fill(strings[key] || strings.rejected || key, params);
    messageText.textContent = text;
    messageBox.dataset.message = key;
    messageBox.querySelectorAll("[data-og-action]").forEach((action) => {
      const name = action.getAttribute("data-og-action");
      action.hidden = !(name === "reload" && key === "sessionExpired");
    });
    messageBox.hidden = false;
    pulse(messageBox, "is-shown");
  }

  function clearMessage() {
    if (!messageBox) return;
    messageBox.hidden = true;
    delete messageBox.dataset.message;
  }

  if (messageBox) {
    const dismiss = messageBox.querySelector("[data-og-dismiss]");
    if (dismiss) dismiss.addEventListener("click", clearMessage);
    const reload = messageBox.querySelector('[data-og-action="reload"]');
    if (reload) reload.addEventListener("click", () => window.location.reload());
  }

  /* ---------------------------------------------------------------- bet */

  function parseBet() {
    const text = (betInput ? betInput.value : "").trim().replace(",", ".");
    const units = toUnits(text, scale);
    if (units === null || units <= 0n || units < min || (max > 0n && units > max)) return null;
    return units;
  }

  function setBet(units) {
    if (!betInput) return;
    betInput.value = fromUnits(units, scale);
    betInput.removeAttribute("aria-invalid");
    betInput.dispatchEvent(new Event("input", { bubbles: true }));
  }

  /** The bet as a decimal string, or null after telling the player what is allowed. */
  function readBet() {
    const units = parseBet();
    if (units === null) {
      if (betInput) {
        betInput.setAttribute("aria-invalid", "true");
        betInput.focus();
      }
      showMessage("betRange", { min: `${minBet} ${currency}`.trim(), max: `${maxBet} ${currency}`.trim() });
      return null;
    }
    betInput.removeAttribute("aria-invalid");
    const text = fromUnits(units, scale);
    if (betInput.value !== text) betInput.value = text;
    return text;
  }

  stepButtons.forEach((button) => {
    button.addEventListener("click", () => {
      if (busy) return;
      const current = parseBet() ?? toUnits((betInput.value || "").trim().replace(",", "."), scale);
      let next;
      if (current === null || current <= 0n) next = min > 0n ? min : 1n;
      else if (button.dataset.ogBetStep === "half") next = current / 2n;
      else next = current * 2n;
      if (next < min) next = min;
      if (max > 0n && next > max) next = max;
      if (next <= 0n) next = 1n;
      setBet(next);
      clearMessage();
    });
  });

  if (betInput) {
    betInput.addEventListener("input", () => {
      if (betInput.getAttribute("aria-invalid") === "true" && parseBet() !== null) {
        betInput.removeAttribute("aria-invalid");
        if (messageBox && messageBox.dataset.message === "betRange") clearMessage();
      }
    });
    betInput.addEventListener("blur", () => {
      const units = parseBet();
      if (units !== null) betInput.value = fromUnits(units, scale);
    });
  }

  /* ---------------------------------------------------------------- balance */

  function announceBalance() {
    try {
      if (window.parent && window.parent !== window) window.parent.postMessage({ type: "croupier:balance" }, window.location.origin);
    } catch {
      // A parent on another origin: nothing to tell.
    }
  }

  /** Shows the server's balance string. Counts to it when it changed, ends on the exact text. */
  function setBalance(next, { animate = true } = {}) {
    if (typeof next !== "string" || next === "") return;
    const previous = balance;
    balance = next;
    if (!balanceEl) return;
    const s = Math.max(decimals(previous), decimals(next));
    const a = toUnits(previous, s);
    const b = toUnits(next, s);
    if (a !== null && b !== null && a !== b && balanceBox) {
      balanceBox.classList.remove("is-up", "is-down");
      void balanceBox.offsetWidth;
      balanceBox.classList.add(b > a ? "is-up" : "is-down");
    }
    const distance = a !== null && b !== null ? Number(b - a) : 0;
    if (!animate || a === null || b === null || distance === 0 || !Number.isSafeInteger(Number(a)) || !Number.isSafeInteger(Number(b))) {
      balanceEl.textContent = next;
      return;
    }
    const from = Number(a);
    const to = Number(b);
    tween(from, to, 600, (v) => {
      balanceEl.textContent = fromUnits(BigInt(Math.round(v)), s);
    }).then(() => {
      if (balance === next) balanceEl.textContent = next;
    });
  }

  /* ---------------------------------------------------------------- busy */

  function setBusy(on) {
    busy = on;
    if (playButton) {
      playButton.disabled = on;
      if (on) playButton.setAttribute("aria-busy", "true");
      else playButton.removeAttribute("aria-busy");
    }
    if (betInput) betInput.readOnly = on;
    stepButtons.forEach((b) => (b.disabled = on));
    busyListeners.forEach((listener) => listener(on));
  }

  /* ---------------------------------------------------------------- requests */

  function headers() {
    const h = { "Content-Type": "application/json", Accept: "application/json" };
    if (data.csrf) h["X-CSRF-Token"] = data.csrf;
    return h;
  }

  async function post(path, body) {
    let response;
    try {
      response = await fetch(path, { method: "POST", credentials: "same-origin", headers: headers(), body: JSON.stringify(body) });
    } catch {
      return { status: "network" };
    }
    const answer = await response.json().catch(() => null);
    if (response.ok && answer && typeof answer === "object") return answer;
    const code = answer && answer.error && answer.error.code;
    if (REFUSALS.includes(code) || (code && strings[code])) return { status: code };
    if (response.status === 401 || response.status === 403 || response.status === 410) return { status: "sessionExpired" };
    if (response.status >= 500) return { status: "walletUnavailable" };
    return { status: "rejected" };
  }

  /**
   * Plays one round: body is the game part ({dice: …} or {slot: {}}). Resolves to the answer when
   * the round was played, or null after a refusal has been shown (the balance it carries is shown
   * at once). The caller shows the result and then calls settle(answer).
   */
  async function play(bet, gameBody) {
    const answer = await post("/originals/api/play", { session, bet, ...gameBody });
    const status = answer.status || "rejected";
    if (status === "ok" && answer.round) return answer;
    if (typeof answer.balance === "string") {
      setBalance(answer.balance, { animate: false });
      announceBalance();
    }
    const key = status === "ok" || status === "network" || REFUSALS.includes(status) ? status : "rejected";
    showMessage(key === "ok" ? "rejected" : key);
    return null;
  }

  /** After the result is on screen: balance, seeds, and a word to the casino page. */
  function settle(answer) {
    if (typeof answer.balance === "string") setBalance(answer.balance);
    // A free round was played: how many the operator's award has left (the box hides at 0).
    if (typeof answer.freeRoundsLeft === "number") {
      const left = root.querySelector("[data-og-free-left]");
      const box = root.querySelector("[data-og-free]");
      if (left) left.textContent = String(answer.freeRoundsLeft);
      if (box) box.hidden = answer.freeRoundsLeft === 0;
    }
    const round = answer.round || {};
    if (round.serverSeedHash || round.clientSeed || round.nonce !== undefined) {
      seeds.update({
        serverSeedHash: round.serverSeedHash,
        clientSeed: round.clientSeed,
        nonce: typeof round.nonce === "number" ? round.nonce + 1 : undefined,
      });
    }
    announceBalance();
  }

  /* ---------------------------------------------------------------- history */

  function addHistory(text, won, title = "") {
    if (!historyList) return;
    if (historyEmpty) historyEmpty.remove();
    const li = document.createElement("li");
    li.className = `og-history__chip ${won ? "is-win" : "is-loss"}`;
    li.textContent = text;
    if (title) li.title = title;
    historyList.prepend(li);
    while (historyList.children.length > 16) historyList.lastElementChild.remove();
  }

  /* ---------------------------------------------------------------- fairness panel */

  const seeds = (() => {
    const panel = document.querySelector("[data-og-seeds]");
    const hashEls = document.querySelectorAll("[data-seed-hash], [data-seed-hash-short]");
    const nonceEls = document.querySelectorAll("[data-seed-nonce], [data-seed-nonce-short]");
    const seedForm = document.querySelector("[data-seed-form]");
    const clientInput = document.querySelector('[data-testid="seed-client"]');
    const rotate = document.querySelector('[data-testid="seed-rotate"]');
    const seedError = document.querySelector("[data-seed-error]");
    const revealed = document.querySelector("[data-seed-revealed]");
    const revealedNote = document.querySelector("[data-seed-revealed-note]");
    const revealedList = document.querySelector("[data-seed-revealed-list]");

    function update({ serverSeedHash, clientSeed, nonce } = {}) {
      if (serverSeedHash) hashEls.forEach((el) => (el.textContent = serverSeedHash));
      if (nonce !== undefined && nonce !== null) nonceEls.forEach((el) => (el.textContent = String(nonce)));
      if (typeof clientSeed === "string" && clientInput && document.activeElement !== clientInput) clientInput.value = clientSeed;
    }

    function seedProblem(text) {
      if (!seedError || !clientInput) return;
      seedError.textContent = text;
      seedError.hidden = !text;
      if (text) clientInput.setAttribute("aria-invalid", "true");
      else clientInput.removeAttribute("aria-invalid");
    }

    if (seedForm && clientInput && rotate && panel) {
      clientInput.addEventListener("input", () => seedProblem(""));
      seedForm.addEventListener("submit", async (event) => {
        event.preventDefault();
        if (busy || rotate.getAttribute("aria-busy") === "true") return;
        const clientSeed = clientInput.value;
        const length = Array.from(clientSeed).length;
        // The server's rule: 1–64 printable characters and no colon (it separates the HMAC message).
        if (length < 1 || length > 64 || /[:\u0000-\u001f\u007f]/.test(clientSeed)) {
          seedProblem(strings.clientSeedInvalid);
          clientInput.focus();
          return;
        }
        seedProblem("");
        rotate.setAttribute("aria-busy", "true");
        rotate.disabled = true;
        const answer = await post("/originals/api/seed", { session, clientSeed });
        rotate.removeAttribute("aria-busy");
        rotate.disabled = false;
        if (!answer || (answer.status && answer.status !== "ok") || !answer.serverSeedHash) {
          const status = answer && answer.status;
          seedProblem(["sessionExpired", "network", "clientSeedInvalid"].includes(status) ? strings[status] : strings.seedFailed);
          return;
        }
        update({ serverSeedHash: answer.serverSeedHash, clientSeed: answer.clientSeed, nonce: answer.nonce });
        if (typeof answer.clientSeed === "string") clientInput.value = answer.clientSeed;
        const old = answer.revealed;
        if (revealed && revealedNote) {
          revealedNote.textContent = old ? strings.rotated : strings.nothingToReveal;
          if (revealedList) {
            revealedList.hidden = !old;
            if (old) {
              revealedList.querySelectorAll("[data-revealed]").forEach((el) => {
                const value = old[el.getAttribute("data-revealed")];
                el.textContent = value === undefined || value === null ? "—" : String(value);
              });
            }
          }
          revealed.hidden = false;
          pulse(revealed, "is-shown");
        }
        panel.dataset.rotated = "true";
      });
    }
    return { update };
  })();

  /* ---------------------------------------------------------------- wiring */

  function onSubmit(handler) {
    if (!form) return;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (busy) return;
      handler();
    });
  }

  return {
    root,
    strings,
    currency,
    scale,
    get busy() {
      return busy;
    },
    get balance() {
      return balance;
    },
    readBet,
    parseBet,
    setBusy,
    onBusy: (listener) => busyListeners.push(listener),
    play,
    settle,
    showMessage,
    clearMessage,
    addHistory,
    onSubmit,
    seeds,
  };
}
