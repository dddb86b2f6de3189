// Reality checks on the play page (docs/player-protection.md "Reality checks").
//
// The play session starts when the player first opens a game in this tab (kept in
// sessionStorage, so moving between games keeps counting). Every N minutes (the player's
// interval, [data-reality-interval]) the dialog shows the time played and the net result since
// then, from GET /api/v1/wallet/play-summary; Continue closes it, Stop leaves the game for the
// lobby. When the session-time limit ([data-session-limit], minutes) is reached, the game is
// unloaded and the same summary offers only Stop.

import { formatMoney } from "./money.js";

const root = document.querySelector("[data-play]");
const dialog = document.querySelector("[data-reality-check]");
const STARTED = "croupier.playSessionStarted";

if (root && dialog) {
  const language = document.documentElement.getAttribute("lang") || "en";
  const interval = Number(root.dataset.realityInterval || "60") * 60_000;
  const limit = Number(root.dataset.sessionLimit || "0") * 60_000;
  const started = Number(sessionStorage.getItem(STARTED)) || Date.now();
  sessionStorage.setItem(STARTED, String(started));

  const elapsedText = (ms) => {
    const minutes = Math.floor(ms / 60_000);
    return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
  };

  const summary = async () => {
    const since = new Date(started).toISOString();
    const response = await fetch(`/api/v1/wallet/play-summary?since=${encodeURIComponent(since)}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) return [];
    return (await response.json()).results || [];
  };

  const show = async (ended) => {
    const results = await summary().catch(() => []);
    dialog.querySelector("[data-reality-elapsed]").textContent = elapsedText(Date.now() - started);
    const net = results.map((r) => formatMoney(r.net, r.currency, language)).join(", ");
    dialog.querySelector("[data-reality-net]").textContent = net || formatMoney("0", root.dataset.currency || "EUR", language);
    dialog.querySelector("[data-reality-continue]").hidden = ended;
    dialog.querySelector("[data-reality-ended]").hidden = !ended;
    if (ended) {
      const frame = root.querySelector("iframe");
      if (frame) frame.remove();
    }
    if (!dialog.open) dialog.showModal();
  };

  dialog.querySelector("[data-reality-continue]").addEventListener("click", () => dialog.close());
  dialog.querySelector("[data-reality-stop]").addEventListener("click", () => {
    window.location.assign("/lobby");
  });
  // The limit ends play: Escape does not dismiss the summary.
  dialog.addEventListener("cancel", (event) => {
    if (!dialog.querySelector("[data-reality-ended]").hidden) event.preventDefault();
  });

  const tick = () => {
    const elapsed = Date.now() - started;
    if (limit > 0 && elapsed >= limit) {
      show(true);
      return;
    }
    // A timer that fired a little early must not show the check twice.
    const remainder = interval - (elapsed % interval);
    const untilCheck = remainder < 1000 ? remainder + interval : remainder;
    const untilLimit = limit > 0 ? limit - elapsed : Infinity;
    window.setTimeout(() => {
      if (limit > 0 && Date.now() - started >= limit) show(true);
      else {
        show(false);
        tick();
      }
    }, Math.min(untilCheck, untilLimit));
  };
  tick();
}
