// Play page: keeps the page's own balance live while a game runs in the iframe.
//
// The header chip and the balances come from live-balances.js (pushed over a WebSocket, polled
// while it is down); this shows the page currency's real balance in the page's own box and
// flashes it. When the game posts {type: "croupier:balance"} from its own origin, the balances
// are asked for at once if the socket is not there to push them.

import { refreshNow } from "./live-balances.js";
import { formatMoney, decimals, toUnits } from "./money.js";

const root = document.querySelector("[data-play]");

if (root) {
  const language = document.documentElement.getAttribute("lang") || "en";
  const currency = root.dataset.currency || "";
  const providerOrigin = root.dataset.providerOrigin || window.location.origin;
  const pageBalance = root.querySelector("[data-play-balance]");
  const pageBalanceBox = root.querySelector('[data-testid="play-balance"]');

  let last = null; // the last "real" decimal string seen

  const compare = (a, b) => {
    const scale = Math.max(decimals(a), decimals(b));
    const x = toUnits(a, scale);
    const y = toUnits(b, scale);
    if (x === null || y === null) return 0;
    return x === y ? 0 : x > y ? 1 : -1;
  };

  document.addEventListener("croupier:balances", (event) => {
    const balance = event.detail;
    if (!balance || balance.currency !== currency) return;
    const direction = last === null ? 0 : compare(balance.real, last);
    if (pageBalance) pageBalance.textContent = formatMoney(balance.real, currency, language);
    if (direction !== 0 && pageBalanceBox) {
      pageBalanceBox.classList.remove("is-credit", "is-debit");
      void pageBalanceBox.offsetWidth; // restart the highlight
      pageBalanceBox.classList.add(direction > 0 ? "is-credit" : "is-debit");
    }
    last = balance.real;
  });

  window.addEventListener("message", (event) => {
    if (event.origin !== providerOrigin && event.origin !== window.location.origin) return;
    const data = event.data;
    if (data && typeof data === "object" && data.type === "croupier:balance") refreshNow();
  });

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
