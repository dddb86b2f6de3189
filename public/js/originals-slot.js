// Croupier Originals — Slot: 5 reels × 3 rows, lines paid left to right. The reels spin while
// the server decides, then stop one by one on its result; winning lines are drawn over the reels.

import { createGame, reducedMotion, sleep, tween, fill } from "./originals.js";
import { decimals, fromUnits, toUnits } from "./money.js";

const root = document.querySelector('[data-originals][data-game="slot"]');
const SVG = "http://www.w3.org/2000/svg";
const SPIN_CELLS = 15; // random cells in a spinning loop
const STOP_CELLS = 12; // random cells a stopping reel runs through before the result
const LOOP_MS = 340;

if (root) {
  const game = createGame(root);
  const s = game.strings;
  const reels = Array.from(root.querySelectorAll('[data-testid="slot-reel"]'));
  const strips = reels.map((reel) => reel.querySelector("[data-slot-strip]"));
  const linesLayer = root.querySelector("[data-slot-lines]");
  const result = root.querySelector('[data-testid="round-result"]');
  const caption = root.querySelector("[data-slot-caption]");
  const winEl = root.querySelector("[data-slot-win]");
  const winList = root.querySelector("[data-slot-lines-list]");
  const machine = root.querySelector(".slot-machine");

  const symbols = Array.from(new Set(Array.from(strips[0].querySelectorAll("[data-symbol]")).map((el) => el.dataset.symbol)));
  if (!symbols.length) symbols.push("seven", "bar", "bell", "cherry", "lemon", "plum");
  const label = (symbol) => s[`symbol.${symbol}`] || symbol;
  const random = () => symbols[Math.floor(Math.random() * symbols.length)];
  document.querySelectorAll("[data-symbol-label]").forEach((el) => {
    el.textContent = label(el.getAttribute("data-symbol-label"));
  });
  const randoms = (n) => Array.from({ length: n }, random);

  function cell(symbol) {
    const span = document.createElement("span");
    span.className = "slot-cell";
    span.dataset.symbol = symbol;
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "slot-symbol");
    svg.setAttribute("viewBox", "0 0 64 64");
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", label(symbol));
    const use = document.createElementNS(SVG, "use");
    use.setAttribute("href", `#slot-${symbol}`);
    svg.appendChild(use);
    if (!symbols.includes(symbol)) {
      const text = document.createElementNS(SVG, "text");
      text.setAttribute("x", "32");
      text.setAttribute("y", "38");
      text.setAttribute("text-anchor", "middle");
      text.setAttribute("font-size", "14");
      text.setAttribute("fill", "currentColor");
      text.textContent = symbol;
      svg.appendChild(text);
    }
    span.appendChild(svg);
    return span;
  }

  const shift = (index, count) => `translateY(${(-100 * index) / count}%)`;

  /** Fills a strip; the window shows cells[index … index+2]. */
  function setStrip(r, list, index) {
    const strip = strips[r];
    strip.replaceChildren(...list.map(cell));
    strip.style.transform = shift(index, list.length);
    return list.length;
  }

  // The visible rows of each reel, top to bottom; one extra cell above for the landing bounce.
  const visible = reels.map(() => randoms(3));
  visible.forEach((rows, r) => setStrip(r, [random(), ...rows], 1));
  root.classList.add("is-ready");

  /* ------------------------------------------------------------ spinning */

  const loops = [];

  function startSpin(r) {
    const list = [...visible[r], ...randoms(SPIN_CELLS), ...visible[r]];
    const count = setStrip(r, list, list.length - 3);
    reels[r].classList.add("is-spinning");
    if (reducedMotion.matches) return;
    loops[r] = strips[r].animate(
      [{ transform: shift(count - 3, count) }, { transform: shift(0, count) }],
      { duration: LOOP_MS + r * 12, iterations: Infinity, easing: "linear" },
    );
  }

  function stopSpin(r, rows) {
    if (loops[r]) {
      loops[r].cancel();
      loops[r] = null;
    }
    visible[r] = rows;
    const list = [random(), ...rows, ...randoms(STOP_CELLS), ...randoms(3)];
    const count = setStrip(r, list, 1);
    reels[r].classList.remove("is-spinning");
    if (reducedMotion.matches) return Promise.resolve();
    const animation = strips[r].animate(
      [
        { transform: shift(count - 3, count), easing: "cubic-bezier(0.12, 0.55, 0.3, 1)" },
        { transform: shift(0.72, count), offset: 0.84, easing: "cubic-bezier(0.4, 0, 0.4, 1)" },
        { transform: shift(1, count) },
      ],
      { duration: 620, easing: "linear" },
    );
    return animation.finished
      .catch(() => {})
      .then(() => {
        reels[r].classList.remove("is-landed");
        void reels[r].offsetWidth;
        reels[r].classList.add("is-landed");
      });
  }

  /* ------------------------------------------------------------ wins */

  function clearWins() {
    root.querySelectorAll(".slot-cell.is-win").forEach((el) => el.classList.remove("is-win"));
    linesLayer.replaceChildren();
    winList.replaceChildren();
    winEl.hidden = true;
    winEl.textContent = "";
    machine.classList.remove("is-winning");
  }

  function drawLines(lines) {
    lines.forEach((line, i) => {
      const rows = Array.isArray(line.rows) ? line.rows : [];
      const count = Number(line.count) || 0;
      const colour = `slot-line--c${(Number(line.line) || i) % 8}`;
      rows.slice(0, count).forEach((row, r) => {
        const target = strips[r] && strips[r].children[1 + Number(row)];
        if (target) {
          target.classList.add("is-win");
          target.dataset.line = String(line.line);
        }
      });
      if (rows.length) {
        const g = document.createElementNS(SVG, "g");
        g.setAttribute("class", `slot-line ${colour}`);
        const points = rows.map((row, r) => `${r * 100 + 50},${Number(row) * 100 + 50}`).join(" ");
        for (const kind of ["glow", "stroke"]) {
          const polyline = document.createElementNS(SVG, "polyline");
          polyline.setAttribute("points", points);
          polyline.setAttribute("class", `slot-line__${kind}`);
          polyline.setAttribute("vector-effect", "non-scaling-stroke");
          g.appendChild(polyline);
        }
        rows.slice(0, count).forEach((row, r) => {
          const dot = document.createElementNS(SVG, "circle");
          dot.setAttribute("cx", String(r * 100 + 50));
          dot.setAttribute("cy", String(Number(row) * 100 + 50));
          dot.setAttribute("r", "7");
          dot.setAttribute("class", "slot-line__dot");
          dot.setAttribute("vector-effect", "non-scaling-stroke");
          g.appendChild(dot);
        });
        linesLayer.appendChild(g);
      }
      const li = document.createElement("li");
      li.className = `slot-result__line ${colour}`;
      const swatch = document.createElement("span");
      swatch.className = "slot-result__swatch";
      swatch.setAttribute("aria-hidden", "true");
      const text = document.createElement("span");
      text.textContent = fill(s.lineWin, { line: line.line, count: line.count, symbol: label(line.symbol) });
      const amount = document.createElement("strong");
      amount.className = "tabular";
      amount.textContent = `${line.win} ${game.currency}`;
      li.append(swatch, text, amount);
      winList.appendChild(li);
    });
  }

  async function countWin(win) {
    winEl.hidden = false;
    const scale = decimals(win);
    const units = toUnits(win, scale);
    if (units === null || !Number.isSafeInteger(Number(units))) {
      winEl.textContent = `${win} ${game.currency}`;
      return;
    }
    await tween(0, Number(units), 900, (v) => {
      winEl.textContent = `${fromUnits(BigInt(Math.round(v)), scale)} ${game.currency}`;
    });
    winEl.textContent = `${win} ${game.currency}`;
  }

  /* ------------------------------------------------------------ a round */

  game.onSubmit(async () => {
    const bet = game.readBet();
    if (bet === null) return;
    game.clearMessage();
    game.setBusy(true);
    clearWins();
    result.classList.remove("is-win", "is-loss", "is-settled");
    caption.textContent = s.spinning || "";
    const started = performance.now();
    const pending = game.play(bet, { slot: {} });
    for (let r = 0; r < reels.length; r += 1) {
      startSpin(r);
      if (!reducedMotion.matches) await sleep(70);
    }
    const answer = await pending;
    if (!answer) {
      // Refused: the reels settle back on what they showed.
      await Promise.all(reels.map((_, r) => stopSpin(r, visible[r])));
      caption.textContent = s.idle || "";
      game.setBusy(false);
      return;
    }
    const wait = 650 - (performance.now() - started);
    if (wait > 0 && !reducedMotion.matches) await sleep(wait);

    const slot = answer.round.slot || {};
    const screen = Array.isArray(slot.reels) ? slot.reels : [];
    const landings = [];
    for (let r = 0; r < reels.length; r += 1) {
      const rows = Array.isArray(screen[r]) && screen[r].length === 3 ? screen[r].map(String) : visible[r];
      landings.push(stopSpin(r, rows));
      if (!reducedMotion.matches) await sleep(r === reels.length - 2 ? 320 : 200);
    }
    await Promise.all(landings);

    const lines = Array.isArray(slot.lines) ? slot.lines : [];
    const winUnits = toUnits(String(answer.win ?? "0"), decimals(String(answer.win ?? "0")));
    const won = lines.length > 0 || (winUnits !== null && winUnits > 0n);
    result.classList.add(won ? "is-win" : "is-loss", "is-settled");
    caption.textContent = won ? s.won : s.lost;
    if (won) {
      machine.classList.add("is-winning");
      drawLines(lines);
      await countWin(String(answer.win ?? "0"));
    }
    game.addHistory(won ? `+${answer.win}` : String(answer.win ?? "0"), won);
    game.settle(answer);
    // Last, so whoever watches data-round sees a finished round.
    result.dataset.won = String(won);
    result.dataset.bet = String(answer.bet ?? bet);
    result.dataset.win = String(answer.win ?? "0");
    result.dataset.round = String(answer.round.id ?? "");
    game.setBusy(false);
  });
}
