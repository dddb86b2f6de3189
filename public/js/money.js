// Croupier — exact money helpers. Amounts travel as decimal strings ("1.98") and are never
// turned into floats: they are compared and stepped as BigInt counts of minor units.
//
//   decimals("1.980")           -> 3 (digits after the point)
//   toUnits("1.98", 2)          -> 198n, or null when the text is not a plain decimal or has more digits than `scale`
//   fromUnits(198n, 2)          -> "1.98"
//   formatMoney("105.50000", "EUR", "ru") -> "105,50 €" exactly as the server's MoneyFormatter writes it

const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;

export function decimals(text) {
  const s = String(text ?? "").trim();
  const point = s.indexOf(".");
  return point < 0 ? 0 : s.length - point - 1;
}

export function toUnits(text, scale) {
  const s = String(text ?? "").trim();
  if (!PLAIN_DECIMAL.test(s)) return null;
  const negative = s.startsWith("-");
  const [whole, fraction = ""] = (negative ? s.slice(1) : s).split(".");
  if (fraction.length > scale) {
    // Extra digits are allowed only when they are zeros ("1.500" at scale 2).
    if (/[^0]/.test(fraction.slice(scale))) return null;
  }
  const digits = whole + fraction.slice(0, scale).padEnd(scale, "0");
  const units = BigInt(digits);
  return negative ? -units : units;
}

export function fromUnits(units, scale) {
  const value = BigInt(units);
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, "0");
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** A decimal string without trailing zeros beyond `keep` decimals: "2.97000" -> "2.97", "2.97029" stays. */
export function trimDecimal(text, keep = 2) {
  const s = String(text ?? "");
  const point = s.indexOf(".");
  if (point < 0) return s;
  let end = s.length;
  while (end - point - 1 > keep && s[end - 1] === "0") end -= 1;
  return s.slice(0, end);
}

const SYMBOLS = { EUR: "€", USD: "$", RUB: "₽" };

function group(digits, separator) {
  const out = [];
  for (let end = digits.length; end > 0; end -= 3) out.unshift(digits.slice(Math.max(0, end - 3), end));
  return out.join(separator);
}

/**
 * The server's MoneyFormatter (Sources/App/Wallet/MoneyFormatter.swift) for a decimal string:
 * trailing zeros beyond two decimals dropped, at least min(2, scale) decimals, grouping and symbol
 * per language. `scale` is the currency's scale, which is the number of decimals the API writes.
 */
export function formatMoney(text, currency, language, { signed = false } = {}) {
  const s = String(text ?? "").trim();
  if (!PLAIN_DECIMAL.test(s)) return s;
  const negative = s.startsWith("-");
  const [rawWhole, rawFraction = ""] = (negative ? s.slice(1) : s).split(".");
  const scale = rawFraction.length;
  let fraction = rawFraction;
  while (fraction.length > 2 && fraction.endsWith("0")) fraction = fraction.slice(0, -1);
  while (fraction.length < Math.min(2, scale)) fraction += "0";
  const whole = rawWhole.replace(/^0+(?=\d)/, "");
  const isZero = !/[1-9]/.test(whole + fraction);
  const russian = language === "ru";
  const grouped = group(whole, russian ? "\u202F" : ",");
  const number = fraction ? `${grouped}${russian ? "," : "."}${fraction}` : grouped;
  const sign = negative && !isZero ? "−" : signed && !isZero ? "+" : "";
  const symbol = SYMBOLS[currency];
  if (symbol) return russian ? `${sign}${number}\u00A0${symbol}` : `${sign}${symbol}${number}`;
  return `${sign}${number}\u00A0${currency}`;
}
