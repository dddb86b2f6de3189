// Provably fair: checks a revealed round in the browser with WebCrypto, independently of the server.
//
//   1. SHA-256(server seed) must equal the hash shown before the round was played.
//   2. HMAC-SHA256(key = the server seed's hex text as ASCII bytes, message = "clientSeed:nonce:0"),
//      read as eight big-endian uint32 values u0…u7.
//   3. Dice: roll = floor(u0 × 10000 / 2^32). Slot: stop r = floor(u_r × L_r / 2^32), r = 0…4.
// The products are BigInt, so nothing is rounded on the way.

const root = document.querySelector("[data-fairness]");

function readStrings() {
  const out = {};
  const template = document.querySelector("[data-fair-strings]");
  if (template) template.content.querySelectorAll("[data-key]").forEach((el) => (out[el.dataset.key] = el.textContent.trim()));
  return out;
}

const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");

function hexBytes(text) {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(text)) return null;
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(text.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function parse(json) {
  try {
    const value = JSON.parse(json || "null");
    return value && typeof value === "object" ? value : {};
  } catch {
    return {};
  }
}

/** The commitment: SHA-256 over the seed's text; a seed written as hex may be hashed as its bytes. */
async function seedMatchesHash(serverSeed, serverSeedHash) {
  const want = String(serverSeedHash || "").trim().toLowerCase();
  const encoder = new TextEncoder();
  if (hex(await crypto.subtle.digest("SHA-256", encoder.encode(serverSeed))) === want) return true;
  const bytes = hexBytes(serverSeed);
  return bytes !== null && hex(await crypto.subtle.digest("SHA-256", bytes)) === want;
}

async function uint32s(serverSeed, clientSeed, nonce) {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(serverSeed), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(`${clientSeed}:${nonce}:0`));
  const view = new DataView(mac);
  return Array.from({ length: 8 }, (_, i) => BigInt(view.getUint32(i * 4, false)));
}

/** L_r: from the round itself when it says, else from the page (data-reel-lengths="32,32,32,32,32"). */
function reelLengths(outcome, parameters) {
  for (const source of [outcome, outcome.slot || {}, parameters, parameters.slot || {}]) {
    if (Array.isArray(source.reelLengths)) return source.reelLengths.map(Number);
    if (Array.isArray(source.strips)) return source.strips.map((strip) => (Array.isArray(strip) ? strip.length : Number(strip)));
  }
  const page = (root && root.dataset.reelLengths) || "";
  return page ? page.split(",").map((n) => Number(n.trim())) : null;
}

/** {match, expected, actual} for the round's game, or {match: false, problem} when it cannot be checked. */
function recompute(game, u, outcome, parameters) {
  if (game === "dice") {
    const expected = Number((u[0] * 10000n) >> 32n);
    const actual = Number(outcome.roll ?? (outcome.dice || {}).roll);
    const show = (v) => (Number.isFinite(v) ? `${String(Math.floor(v / 100)).padStart(2, "0")}.${String(v % 100).padStart(2, "0")}` : "—");
    return { match: expected === actual, expected: show(expected), actual: show(actual) };
  }
  if (game === "slot") {
    const lengths = reelLengths(outcome, parameters);
    if (!lengths || lengths.length < 5 || lengths.some((l) => !Number.isInteger(l) || l <= 0)) return { match: false, problem: "noLengths" };
    const expected = lengths.slice(0, 5).map((length, r) => Number((u[r] * BigInt(length)) >> 32n));
    const stops = outcome.stops ?? (outcome.slot || {}).stops;
    const actual = Array.isArray(stops) ? stops.map(Number) : [];
    const match = actual.length === expected.length && actual.every((v, i) => v === expected[i]);
    return { match, expected: `[${expected.join(", ")}]`, actual: `[${actual.join(", ")}]` };
  }
  return { match: false, problem: "unsupported" };
}

if (root) {
  const strings = readStrings();

  // Game codes become their names where the page shows the bare code.
  root.querySelectorAll(".fair-round").forEach((round) => {
    const name = round.querySelector(".fair-round__name");
    const code = round.dataset.game;
    if (name && code && name.textContent.trim() === code && strings[`game.${code}`]) name.textContent = strings[`game.${code}`];
  });

  root.addEventListener("click", async (event) => {
    const button = event.target.closest("[data-verify]");
    if (!button) return;
    const round = button.closest(".fair-round");
    const out = round.querySelector('[data-testid="verify-result"]');
    if (!out || button.getAttribute("aria-busy") === "true") return;

    const report = (match, text) => {
      out.dataset.match = String(match);
      out.className = `fair-round__result ${match ? "is-match" : "is-mismatch"}`;
      out.textContent = `${match ? "✓" : "✗"} ${text}`;
      out.hidden = false;
      button.removeAttribute("aria-busy");
      button.disabled = false;
    };

    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    delete out.dataset.match;
    out.hidden = true;

    if (!window.crypto || !crypto.subtle) {
      report(false, strings.unsupported);
      return;
    }
    const d = round.dataset;
    try {
      const hashOK = await seedMatchesHash(d.serverSeed || "", d.serverSeedHash || "");
      const u = await uint32s(d.serverSeed || "", d.clientSeed || "", d.nonce || "0");
      const check = recompute(d.game, u, parse(d.outcome), parse(d.parameters));
      const problems = [];
      if (!hashOK) problems.push(strings.hashMismatch);
      if (check.problem) problems.push(strings[check.problem]);
      else if (!check.match) {
        problems.push((strings.resultMismatch || "").replace("{expected}", check.expected).replace("{actual}", check.actual));
      }
      // Let the check be seen to happen, even though it takes a millisecond.
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (problems.length) report(false, `${strings.mismatch}: ${problems.join(" ")}`);
      else report(true, `${strings.match} (${check.expected})`);
    } catch {
      report(false, strings.unsupported);
    }
  });
}
