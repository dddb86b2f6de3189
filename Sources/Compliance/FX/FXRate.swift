import Foundation

/// One dated rate: one whole unit of `currency` is worth `rate` whole units of the pivot, from
/// `validFrom` until the next rate of the same currency.
public struct FXRate: Sendable, Equatable {
    public let currency: String
    /// Exact decimal text, as stored (numeric), never a floating-point number.
    public let rate: String
    public let validFrom: Date
    /// `staff:<id>` or `demo`.
    public let setBy: String
    public let setAt: Date

    public init(currency: String, rate: String, validFrom: Date, setBy: String, setAt: Date) {
        self.currency = currency
        self.rate = rate
        self.validFrom = validFrom
        self.setBy = setBy
        self.setAt = setAt
    }
}

/// Why a rate was not set; nothing was written.
public enum FXRateProblem: Error, Sendable, Equatable {
    /// Not a currency of the ledger, or the pivot itself (its rate is always 1).
    case badCurrency(String)
    /// Not a positive decimal (digits, one optional point, at most 12 whole and 18 fractional digits).
    case badDecimal(String)
    /// Not an ISO 8601 time with a zone (`2026-01-31T00:00:00Z`) or a date (`2026-01-31`, midnight UTC).
    case badTime(String)
    /// The currency already has a rate from that moment (or the file names it twice).
    case duplicate(currency: String, validFrom: Date)

    public var code: String {
        switch self {
        case .badCurrency: "fxBadCurrency"
        case .badDecimal: "fxBadDecimal"
        case .badTime: "fxBadTime"
        case .duplicate: "fxDuplicate"
        }
    }
}

/// A CSV import refused as a whole: every problem found, by line (1 is the header). Nothing was written.
public struct FXImportRefusal: Error, Sendable, Equatable {
    public struct LineProblem: Sendable, Equatable {
        public let line: Int
        public let problem: FXRateProblem

        public init(line: Int, problem: FXRateProblem) {
            self.line = line
            self.problem = problem
        }
    }

    /// The first line is not `currency,rate,valid_from`.
    public let badHeader: Bool
    public let problems: [LineProblem]

    public init(badHeader: Bool, problems: [LineProblem]) {
        self.badHeader = badHeader
        self.problems = problems
    }

    public var code: String { badHeader ? "fxBadHeader" : "fxImportRefused" }
}
