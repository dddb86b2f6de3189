// Croupier Originals — Dice. The player picks a target (hundredths, 100…9800 under / 200…9900
// over) and a direction; the server rolls 0…9999 (shown 00.00–99.99) and pays 0.99 / chance.
// The chance, payout and potential win shown before the roll are previews computed with integers;
// the result shown after it is the server's.

import { createGame, reducedMotion, sleep, tween, pulse } from "./originals.js";
import { fromUnits, trimDecimal } from "./money.js";

// The server pays bet × 9900 / chance in 1/100000 of the currency, rounded down.
const PAY_SCALE = 5;

const root = document.querySelector('[data-originals][data-game="dice"]');

const RANGES = { under: [100, 9800], over: [200, 9900] };

function rollText(value) {
  const v = Math.max(0, Math.min(9999, Math.round(value)));
  return `${String(Math.floor(v / 100)).padStart(2, "0")}.${String(v % 100).padStart(2, "0")}`;
}

function hundredths(value) {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, "0")}`;
}

if (root) {
  const game = createGame(root);
  const s = game.strings;
  const range = root.querySelector('[data-testid="dice-target"]');
  const track = root.querySelector("[data-dice-track]");
  const directionButtons = Array.from(root.querySelectorAll("[data-dice-direction]"));
  const targetOut = root.querySelector("[data-dice-target-out]");
  const chanceOut = root.querySelector("[data-dice-chance]");
  const multiplierOut = root.querySelector("[data-dice-multiplier]");
  const potentialOut = root.querySelector("[data-dice-potential]");
  const result = root.querySelector('[data-testid="round-result"]');
  const number = root.querySelector("[data-dice-number]");
  const caption = root.querySelector("[data-dice-caption]");
  const marker = root.querySelector("[data-dice-marker]");
  const markerValue = root.querySelector("[data-dice-marker-value]");
  const betInput = root.querySelector('[data-testid="bet-input"]');

  let direction = "under";
  let target = Number(range.value) || 5000;
  let shown = 5000; // the number on screen, in hundredths

  function clampTarget(value) {
    const [lo, hi] = RANGES[direction];
    return Math.max(lo, Math.min(hi, Math.round(value)));
  }

  /** Chance in hundredths of a percent and payout in ten-thousandths, both exact integers. */
  function odds() {
    const chance = direction === "under" ? target : 10000 - target;
    const multiplier = Math.floor(99000000 / chance);
    return { chance, multiplier };
  }

  function preview() {
    const { chance, multiplier } = odds();
    targetOut.textContent = hundredths(target);
    chanceOut.textContent = `${hundredths(chance)} %`;
    multiplierOut.textContent = `${Math.floor(multiplier / 10000)}.${String(multiplier % 10000).padStart(4, "0")}×`;
    const bet = game.parseBet();
    if (bet === null || game.scale > PAY_SCALE) {
      potentialOut.textContent = "—";
    } else {
      const units = bet * 10n ** BigInt(PAY_SCALE - game.scale);
      potentialOut.textContent = trimDecimal(fromUnits((units * 9900n) / BigInt(chance), PAY_SCALE));
    }
    track.style.setProperty("--target", String(target));
    range.setAttribute("aria-valuetext", `${s[direction] || direction} ${hundredths(target)}`);
  }

  function setDirection(next) {
    if (next === direction || game.busy) return;
    // Keep the chance: "under 25.00" becomes "over 75.00".
    direction = next;
    const [lo, hi] = RANGES[direction];
    target = clampTarget(10000 - target);
    range.min = String(lo);
    range.max = String(hi);
    range.value = String(target);
    track.dataset.direction = direction;
    directionButtons.forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.diceDirection === direction)));
    preview();
  }

  directionButtons.forEach((button) => button.addEventListener("click", () => setDirection(button.dataset.diceDirection)));
  range.addEventListener("input", () => {
    target = clampTarget(Number(range.value));
    preview();
  });
  betInput.addEventListener("input", preview);
  game.onBusy((on) => {
    range.disabled = on;
    directionButtons.forEach((b) => (b.disabled = on));
  });

  // Start from what the page holds (a reload keeps the form's values in some browsers).
  const pressed = directionButtons.find((b) => b.getAttribute("aria-pressed") === "true");
  direction = pressed ? pressed.dataset.diceDirection : "under";
  track.dataset.direction = direction;
  target = clampTarget(Number(range.value) || 5000);
  preview();

  /* ------------------------------------------------------------ rolling */

  let flicker = 0;
  function startRolling() {
    result.classList.remove("is-win", "is-loss", "is-settled");
    result.classList.add("is-rolling");
    caption.textContent = s.rolling || "";
    if (reducedMotion.matches) return;
    const tick = () => {
      shown = Math.floor(Math.random() * 10000);
      number.textContent = rollText(shown);
      flicker = window.setTimeout(tick, 55);
    };
    tick();
  }

  function stopRolling() {
    window.clearTimeout(flicker);
    flicker = 0;
    result.classList.remove("is-rolling");
  }

  game.onSubmit(async () => {
    const bet = game.readBet();
    if (bet === null) return;
    game.clearMessage();
    game.setBusy(true);
    const before = shown;
    startRolling();
    const started = performance.now();
    const answer = await game.play(bet, { dice: { target, direction } });
    if (!answer) {
      stopRolling();
      shown = before;
      number.textContent = rollText(before);
      caption.textContent = s.idle || "";
      game.setBusy(false);
      return;
    }
    const wait = 420 - (performance.now() - started);
    if (wait > 0 && !reducedMotion.matches) await sleep(wait);
    stopRolling();

    const dice = answer.round.dice || {};
    const roll = Number(dice.roll);
    const won = dice.won === true;

    marker.hidden = false;
    track.style.setProperty("--roll", String(roll));
    markerValue.textContent = rollText(roll);
    marker.classList.toggle("is-win", won);
    marker.classList.toggle("is-loss", !won);

    const from = reducedMotion.matches ? roll : Math.floor(Math.random() * 10000);
    await tween(from, roll, 650, (v) => {
      number.textContent = rollText(v);
    });
    shown = roll;
    number.textContent = rollText(roll);

    result.classList.add(won ? "is-win" : "is-loss", "is-settled");
    pulse(result, "is-landed");
    const verb = dice.direction === "over" ? s.over : s.under;
    caption.textContent = won
      ? `${s.won} ${answer.win} ${game.currency} · ×${dice.multiplier ?? ""}`
      : `${s.lost} · ${verb} ${hundredths(Number(dice.target ?? target))}`;
    game.addHistory(rollText(roll), won, `${verb} ${hundredths(Number(dice.target ?? target))}`);
    game.settle(answer);
    // Last, so whoever watches data-round sees a finished round.
    result.dataset.won = String(won);
    result.dataset.bet = String(answer.bet ?? bet);
    result.dataset.win = String(answer.win ?? "0");
    result.dataset.round = String(answer.round.id ?? "");
    game.setBusy(false);
  });
}
