// Lobby: instant filtering of the tiles already on the page while the player types. The form
// still submits to /lobby?q=… (Enter or the button) for the server's own search, so the lobby
// works the same without JavaScript.

const root = document.querySelector("[data-lobby]");

if (root) {
  const input = root.querySelector("[data-lobby-query]");
  const items = Array.from(root.querySelectorAll("[data-lobby-item]"));
  const count = root.querySelector("[data-lobby-count]");
  const empty = root.querySelector('[data-testid="lobby-empty"]');
  const serverCount = count ? count.textContent : "";
  const initialQuery = normalise(input ? input.value : "");

  // Staggered entrance: each tile waits a little longer than the one before it.
  items.forEach((item, index) => item.style.setProperty("--i", String(Math.min(index, 16))));

  function normalise(text) {
    return String(text || "")
      .toLocaleLowerCase()
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/ё/g, "е")
      .replace(/\s+/g, " ")
      .trim();
  }

  const haystacks = items.map((item) => {
    const tile = item.querySelector('[data-testid="game-tile"]');
    return normalise(tile ? tile.getAttribute("data-search") : item.textContent);
  });

  function apply() {
    const query = normalise(input.value);
    // The server already searched for the query the page was rendered with: show what it found.
    if (query === initialQuery) {
      items.forEach((item) => (item.hidden = false));
      if (count) count.textContent = serverCount;
      if (empty) empty.hidden = items.length > 0;
      return;
    }
    const words = query.split(" ").filter(Boolean);
    let shown = 0;
    items.forEach((item, i) => {
      const match = words.every((w) => haystacks[i].includes(w));
      item.hidden = !match;
      if (match) shown += 1;
    });
    if (count) count.textContent = String(shown);
    if (empty) empty.hidden = shown > 0;
  }

  if (input) {
    input.addEventListener("input", apply);
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && input.value) {
        event.preventDefault();
        input.value = "";
        apply();
      }
    });
  }
}
