/// A currency as the ledger knows it. The scale (digits after the decimal point) is fixed when
/// the currency is created: 5 for fiat, so that the industry's ×100000 wire amounts convert
/// exactly, and 8 for crypto. Amounts are integer counts of 10^-scale units; nothing rounds.
public struct Currency: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable { case fiat, crypto }

    public let code: String
    public let scale: Int
    public let kind: Kind

    public init(code: String, scale: Int, kind: Kind) {
        self.code = code
        self.scale = scale
        self.kind = kind
    }
}

/// Why a decimal text is not an amount of a currency.
public enum AmountError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Not a decimal number (`1e5`, `1,5`, `abc`, empty).
    case malformed(String)
    /// More decimal places than the currency's scale: rounding would create or lose money.
    case notRepresentable(String, scale: Int)
    /// Beyond what 64-bit units can hold.
    case overflow(String)

    public var code: String {
        switch self {
        case .malformed: "malformedAmount"
        case .notRepresentable: "amountNotRepresentable"
        case .overflow: "amountOverflow"
        }
    }

    public var description: String {
        switch self {
        case .malformed(let text): "\(text.debugDescription) is not a decimal amount"
        case .notRepresentable(let text, let scale): "\(text) has more than \(scale) decimal places"
        case .overflow(let text): "\(text) is too large"
        }
    }
}

/// Exact conversion between decimal text and ledger units.
public enum Amount {
    /// Parses `-12.345` into units of `scale` decimals, refusing anything inexact.
    public static func units(fromDecimal text: String, scale: Int) throws(AmountError) -> Int64 {
        var digits = Substring(text)
        var negative = false
        if digits.first == "-" || digits.first == "+" {
            negative = digits.first == "-"
            digits = digits.dropFirst()
        }
        let parts = digits.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        guard !whole.isEmpty || !fraction.isEmpty, parts.count == 1 || !fraction.isEmpty,
            whole.allSatisfy(\.isASCIIDigit), fraction.allSatisfy(\.isASCIIDigit)
        else { throw .malformed(text) }
        let significantFraction = fraction.reversed().drop(while: { $0 == "0" }).reversed()
        guard significantFraction.count <= scale else { throw .notRepresentable(text, scale: scale) }
        var units: Int64 = 0
        for digit in whole.drop(while: { $0 == "0" }) + significantFraction
            + String(repeating: "0", count: scale - significantFraction.count)
        {
            let (shifted, overflowA) = units.multipliedReportingOverflow(by: 10)
            let (added, overflowB) = shifted.addingReportingOverflow(Int64(digit.asciiValue! - 48))
            guard !overflowA, !overflowB else { throw .overflow(text) }
            units = added
        }
        return negative ? -units : units
    }

    /// Units as exact decimal text with exactly `scale` decimals: `1234500` at 5 → `12.34500`.
    public static func decimal(units: Int64, scale: Int) -> String {
        let magnitude = units.magnitude
        var digits = String(magnitude)
        if scale > 0 {
            if digits.count <= scale { digits = String(repeating: "0", count: scale - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -scale))
        }
        return units < 0 ? "-" + digits : digits
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

/// A player's identifier. Its own type so that it cannot be mixed with an account or transfer id.
public struct PlayerID: Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: Int64
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    public var description: String { String(rawValue) }
}
