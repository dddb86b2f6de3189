// Live balances: the server pushes the signed-in player's balances over a WebSocket
// (/live/balances, docs/live.md) and this puts them into every element on the page that shows one:
// the header chip ([data-balance-chip] for its data-currency), the wallet's balance cards
// ([data-balance-card][data-currency]) and, through the "croupier:balances" event, the game page.
//
// The socket starts with a snapshot of every balance, then sends one message per ledger
// transaction; each carries the transaction its balances are as of, and one not newer than what
// was shown for its currency is dropped (a late event the snapshot already included). When the
// socket drops, it reconnects after an exponential back-off with jitter (so many pages do not
// return at once after a restart or a NATS outage), and once a retry has failed the balances are
// polled from GET /api/v1/wallet until the next snapshot. Close code 1008 means the session ended:
// one poll tells whether the browser is signed in again (another tab) and only a 401 stops
// everything. <html data-live-balances> says the state: "connecting", "open", "polling" or "ended".
//
// Money stays exact: amounts are decimal strings, summed as BigInt units (money.js) and formatted
// the way the server formats them.

import { flashBalance } from "./ui.js";
import { decimals, formatMoney, fromUnits, toUnits } from "./money.js";

const PATH = "/live/balances";
const POLL_MS = 5000;
const FIRST_RETRY_MS = 500;
const LONGEST_RETRY_MS = 30000;
// A socket open this long is working: only then does the back-off start over, so a server that
// accepts and drops at once is not hammered.
const STABLE_MS = 10000;
// Closes the server chose (normal, going away, restart, try again later) reach every page at once:
// the first retry after one waits a random 0 to SPREAD_MS so they do not all return together.
const SERVER_CLOSES = new Set([1000, 1001, 1012, 1013]);
const SPREAD_MS = 5000;
const SESSION_ENDED = 1008;

const html = document.documentElement;
const language = html.getAttribute("lang") || "en";
let socket = null;
let failures = 0;
let ended = false;
let pollTimer = null;
let polling = false;
let retryTimer = null;
let stableTimer = null;
// Bumped at each snapshot and when polling stops: a poll that started before reads older
// balances than the page shows, and its answer is ignored.
let generation = 0;
// The last transaction shown per currency (BigInt), from the snapshot and the updates since.
const shown = new Map();

function setState(state) {
  html.dataset.liveBalances = state;
}

function units(text, scale) {
  return toUnits(text, scale) ?? 0n;
}

function transactionOf(entry) {
  try {
    return BigInt(entry.transaction);
  } catch {
    return null;
  }
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

/** One GET /api/v1/wallet, shown unless a snapshot or the end of polling came meanwhile. */
async function poll() {
  const asked = generation;
  try {
    const response = await fetch("/api/v1/wallet", { credentials: "same-origin", headers: { Accept: "application/json" }, cache: "no-store" });
    if (asked !== generation) return;
    if (response.status === 401) {
      end();
      return;
    }
    if (!response.ok) return;
    const body = await response.json();
    if (asked !== generation) return;
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
  generation += 1;
  polling = false;
  if (pollTimer !== null) clearInterval(pollTimer);
  pollTimer = null;
}

function end() {
  ended = true;
  stopPolling();
  clearTimeout(retryTimer);
  setState("ended");
}

/** The wait before the next attempt: doubling from FIRST_RETRY_MS, at most LONGEST_RETRY_MS,
 * a random point in its upper half. */
function retryDelay() {
  const ceiling = Math.min(LONGEST_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(failures, 16));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function retryIn(delay) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(connect, delay);
}

function onSnapshot(balances) {
  stopPolling();
  shown.clear();
  setState("open");
  clearTimeout(stableTimer);
  stableTimer = setTimeout(() => {
    failures = 0;
  }, STABLE_MS);
  for (const entry of balances) {
    const transaction = transactionOf(entry);
    if (transaction !== null && typeof entry.currency === "string") shown.set(entry.currency, transaction);
    show(entry);
  }
}

function onBalance(entry) {
  const transaction = transactionOf(entry);
  if (transaction === null) return;
  const last = shown.get(entry.currency);
  if (last !== undefined && transaction <= last) return;
  shown.set(entry.currency, transaction);
  show(entry);
}

async function onClose(event) {
  clearTimeout(stableTimer);
  const firstAfterServerClose = failures === 0 && SERVER_CLOSES.has(event.code);
  failures += 1;
  if (event.code === SESSION_ENDED) {
    // Signed out here, or this session revoked: the browser may hold a newer session (signed in
    // again in another tab), which the poll's answer tells; only a 401 ends.
    await poll();
    if (ended) return;
  }
  if (failures > 1) startPolling();
  else setState("connecting");
  retryIn(firstAfterServerClose ? Math.random() * SPREAD_MS : retryDelay());
}

function connect() {
  if (ended || socket !== null) return;
  clearTimeout(retryTimer);
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
    if (message?.type === "snapshot" && Array.isArray(message.balances)) onSnapshot(message.balances);
    else if (message?.type === "balance") onBalance(message);
  });
  current.addEventListener("close", (event) => {
    if (socket !== current) return;
    socket = null;
    onClose(event);
  });
}

/** Asks for the balances now when the socket is not there to push them (a game said its
 * balance changed). */
export function refreshNow() {
  if (!ended && (socket === null || socket.readyState !== WebSocket.OPEN)) poll();
}

// A hidden tab's timers are throttled and it does not poll: when it is looked at again with the
// socket down, the balances are asked for and the socket tried at once rather than at the next retry.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState !== "visible" || ended || socket !== null) return;
  poll();
  connect();
});

if (document.querySelector("[data-balance-chip]")) connect();
