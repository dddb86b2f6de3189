// Play page: keeps the balance live while a game runs in the iframe.
//
// GET /api/v1/wallet every 5 s while the tab is visible, at once when the tab comes back, and at
// once when the game posts {type: "croupier:balance"} from its own origin. The amount for the
// page's currency goes into the header chip ([data-balance-real], [data-balance-bonus]) and into
// the page's own balance, formatted the way the server formats the chip.

import { flashBalance } from "./ui.js";
import { formatMoney, decimals, toUnits } from "./money.js";

const root = document.querySelector("[data-play]");
const POLL_MS = 5000;

if (root) {
  const language = document.documentElement.getAttribute("lang") || "en";
  const currency = root.dataset.currency || "";
  const providerOrigin = root.dataset.providerOrigin || window.location.origin;
  const chip = document.querySelector("[data-balance-chip]");
  const chipReal = document.querySelector("[data-balance-real]");
  const chipBonus = document.querySelector("[data-balance-bonus]");
  const pageBalance = root.querySelector("[data-play-balance]");
  const pageBalanceBox = root.querySelector('[data-testid="play-balance"]');

  let last = null; // the last "real" decimal string seen
  let inFlight = null;
  let again = false;
  let stopped = false;

  const compare = (a, b) => {
    const scale = Math.max(decimals(a), decimals(b));
    const x = toUnits(a, scale);
    const y = toUnits(b, scale);
    if (x === null || y === null) return 0;
    return x === y ? 0 : x > y ? 1 : -1;
  };

  const show = (balance) => {
    const real = formatMoney(balance.real, currency, language);
    const direction = last === null ? 0 : compare(balance.real, last);
    if (chipReal) chipReal.textContent = real;
    if (chipBonus) chipBonus.textContent = formatMoney(balance.bonus, currency, language);
    if (pageBalance) pageBalance.textContent = real;
    if (direction !== 0) {
      flashBalance(chip, direction > 0 ? "credit" : "debit");
      if (pageBalanceBox) {
        pageBalanceBox.classList.remove("is-credit", "is-debit");
        void pageBalanceBox.offsetWidth; // restart the highlight
        pageBalanceBox.classList.add(direction > 0 ? "is-credit" : "is-debit");
      }
    }
    last = balance.real;
  };

  async function refresh() {
    if (stopped) return;
    if (inFlight) {
      again = true; // one more right after, so a balance posted mid-request is not missed
      return inFlight;
    }
    inFlight = (async () => {
      try {
        const response = await fetch("/api/v1/wallet", {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          cache: "no-store",
        });
        if (response.status === 401) {
          stopped = true; // signed out elsewhere: the next navigation shows the sign-in page
          return;
        }
        if (!response.ok) return;
        const body = await response.json();
        const balances = Array.isArray(body?.balances) ? body.balances : [];
        const mine = balances.find((b) => b.currency === currency);
        // No account in this currency yet: the server's own "0.00" stays.
        if (mine) show(mine);
      } catch {
        // Offline for a moment: keep the last known amount, the next tick tries again.
      } finally {
        inFlight = null;
        if (again) {
          again = false;
          refresh();
        }
      }
    })();
    return inFlight;
  }

  window.addEventListener("message", (event) => {
    if (event.origin !== providerOrigin && event.origin !== window.location.origin) return;
    const data = event.data;
    if (data && typeof data === "object" && data.type === "croupier:balance") refresh();
  });

  setInterval(() => {
    if (document.visibilityState === "visible") refresh();
  }, POLL_MS);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
  refresh();

  /* The frame's loading veil goes once the game has loaded. */
  const stage = root.querySelector("[data-play-stage]");
  const frame = root.querySelector('[data-testid="game-frame"]');
  if (stage && frame) {
    frame.addEventListener("load", () => stage.classList.add("is-loaded"), { once: true });
  }

  /* Full screen for the game area, where the browser allows it. */
  const fullscreen = root.querySelector("[data-play-fullscreen]");
  if (fullscreen && stage && document.fullscreenEnabled && stage.requestFullscreen) {
    fullscreen.hidden = false;
    const sync = () => {
      const on = document.fullscreenElement === stage;
      const label = on ? fullscreen.dataset.labelExit : fullscreen.dataset.labelEnter;
      fullscreen.setAttribute("aria-pressed", String(on));
      if (label) {
        fullscreen.setAttribute("aria-label", label);
        fullscreen.setAttribute("title", label);
      }
    };
    fullscreen.addEventListener("click", async () => {
      try {
        if (document.fullscreenElement) await document.exitFullscreen();
        else await stage.requestFullscreen({ navigationUI: "hide" });
      } catch {
        // Refused (no user gesture, or not allowed here): nothing to undo.
      }
    });
    document.addEventListener("fullscreenchange", sync);
    sync();
  }
}
