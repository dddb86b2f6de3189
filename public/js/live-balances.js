// Live balances: the server pushes the signed-in player's balances over a WebSocket
// (/live/balances, docs/live.md) and this puts them into every element on the page that shows one:
// the header chip ([data-balance-chip] for its data-currency), the wallet's balance cards
// ([data-balance-card][data-currency]) and, through the "croupier:balances" event, the game page.
//
// The socket starts with a snapshot of every balance, then sends one message per ledger
// transaction. When it drops, it reconnects after an exponential back-off with jitter (so many
// pages do not return at once after a restart), and only while it is down the balances are
// polled from GET /api/v1/wallet. Close code 1008 means the session ended: nothing more is asked
// for, the next navigation shows the sign-in page. <html data-live-balances> says the state:
// "connecting", "open", "polling" or "ended".
//
// Money stays exact: amounts are decimal strings, summed as BigInt units (money.js) and formatted
// the way the server formats them.

import { flashBalance } from "./ui.js";
import { decimals, formatMoney, fromUnits, toUnits } from "./money.js";

const PATH = "/live/balances";
const POLL_MS = 5000;
const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 30000;
const SESSION_ENDED = 1008;

const html = document.documentElement;
const language = html.getAttribute("lang") || "en";
let socket = null;
let failures = 0;
let ended = false;
let pollTimer = null;
let polling = false;

function setState(state) {
  html.dataset.liveBalances = state;
}

function units(text, scale) {
  return toUnits(text, scale) ?? 0n;
}

/** Shows one currency's balances ({currency, real, bonus, locked} as decimal strings). */
function show(entry) {
  const { currency } = entry;
  if (typeof currency !== "string" || typeof entry.real !== "string") return;
  const scale = decimals(entry.real);
  const real = units(entry.real, scale);
  const bonus = units(entry.bonus, scale);
  const locked = units(entry.locked, scale);
  const money = (value) => formatMoney(fromUnits(value, scale), currency, language);

  const chip = document.querySelector("[data-balance-chip]");
  if (chip && chip.dataset.currency === currency) {
    const chipReal = chip.querySelector("[data-balance-real]");
    if (chipReal) chipReal.textContent = money(real);
    const chipBonus = chip.querySelector("[data-balance-bonus]");
    if (chipBonus) chipBonus.textContent = money(bonus);
    const bonusBox = chip.querySelector("[data-balance-bonus-box]");
    if (bonusBox) bonusBox.hidden = bonus <= 0n;
    const previous = chip.dataset.liveReal; // the units shown before, once this page has had any
    if (previous !== undefined && BigInt(previous) !== real) flashBalance(chip, BigInt(previous) > real ? "debit" : "credit");
    chip.dataset.liveReal = real.toString();
  }

  document.querySelectorAll(`[data-balance-card][data-currency="${CSS.escape(currency)}"]`).forEach((card) => {
    const fields = { real, bonus, locked, withdrawable: real, total: real + bonus + locked };
    for (const [name, value] of Object.entries(fields)) {
      const cell = card.querySelector(`[data-balance="${name}"]`);
      if (cell) cell.textContent = money(value);
    }
  });

  document.dispatchEvent(new CustomEvent("croupier:balances", { detail: { currency, real: entry.real, bonus: entry.bonus } }));
}

async function poll() {
  try {
    const response = await fetch("/api/v1/wallet", { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" });
    if (response.status === 401) {
      end();
      return;
    }
    if (!response.ok) return;
    const body = await response.json();
    (Array.isArray(body?.balances) ? body.balances : []).forEach(show);
  } catch {
    // Offline for a moment: the last amounts stay, the next tick tries again.
  }
}

function startPolling() {
  if (polling || ended) return;
  polling = true;
  setState("polling");
  const tick = () => {
    if (document.visibilityState === "visible") poll();
  };
  tick();
  pollTimer = setInterval(tick, POLL_MS);
}

function stopPolling() {
  polling = false;
  if (pollTimer !== null) clearInterval(pollTimer);
  pollTimer = null;
}

function end() {
  ended = true;
  stopPolling();
  setState("ended");
}

/** The wait before the next attempt: doubling from FIRST_RETRY_MS, at most LONGEST_RETRY_MS,
 * a random point in its upper half. */
function retryDelay() {
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(failures, 16));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function connect() {
  if (ended) return;
  setState(polling ? "polling" : "connecting");
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const current = new WebSocket(`${scheme}//${location.host}${PATH}`);
  socket = current;
  current.addEventListener("message", (event) => {
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (message?.type === "snapshot" && Array.isArray(message.balances)) {
      failures = 0;
      stopPolling();
      setState("open");
      message.balances.forEach(show);
    } else if (message?.type === "balance") {
      show(message);
    }
  });
  current.addEventListener("close", (event) => {
    if (socket === current) socket = null;
    if (event.code === SESSION_ENDED) {
      end();
      return;
    }
    failures += 1;
    startPolling();
    setTimeout(connect, retryDelay());
  });
}

/** Asks for the balances now when the socket is not there to push them (a game said its
 * balance changed). */
export function refreshNow() {
  if (!ended && (socket === null || socket.readyState !== WebSocket.OPEN)) poll();
}

if (document.querySelector("[data-balance-chip]")) connect();
