import Core

/// Formats ledger units for people: per language (`1 234,50 €` in Russian, `€1,234.50` in
/// English), at least two decimals and every further non-zero digit, so nothing is rounded
/// away. Negative amounts use a real minus sign.
struct MoneyFormatter: Sendable {
    let language: String

    static let symbols = ["EUR": "€", "USD": "$", "RUB": "₽"]

    func format(units: Int64, currency: Currency, signed: Bool = false) -> String {
        let exact = Amount.decimal(units: units, scale: currency.scale)
        var (whole, fraction) = Self.split(units < 0 ? String(exact.dropFirst()) : exact)
        while fraction.count > 2, fraction.last == "0" { fraction.removeLast() }
        while fraction.count < min(2, currency.scale) { fraction.append("0") }
        let russian = language == "ru"
        let grouped = Self.group(whole, separator: russian ? "\u{202F}" : ",")
        let number = fraction.isEmpty ? grouped : grouped + (russian ? "," : ".") + fraction
        let sign = units < 0 ? "−" : (signed && units > 0 ? "+" : "")
        if let symbol = Self.symbols[currency.code] {
            return russian ? "\(sign)\(number)\u{00A0}\(symbol)" : "\(sign)\(symbol)\(number)"
        }
        return "\(sign)\(number)\u{00A0}\(currency.code)"
    }

    private static func split(_ decimal: String) -> (String, String) {
        let parts = decimal.split(separator: ".", maxSplits: 1)
        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }

    private static func group(_ digits: String, separator: String) -> String {
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return groups.joined(separator: separator)
    }
}
