import Foundation

/// A protection request refused; nothing was changed.
public enum ProtectionProblem: Error, Sendable, Equatable {
    /// A money limit needs a period and a currency; a session limit has neither.
    case invalidSlot
    /// The currency is not one the ledger keeps.
    case unknownCurrency(String)
    /// The amount is not a positive exact amount of the currency (or whole minutes 1…1440).
    case invalidAmount(String)
    /// There is no raise or removal waiting to be confirmed for this limit.
    case nothingPending
    /// The raise or removal waits for its cooling-off until this instant.
    case coolingOff(until: Date)
    /// A time-out is 1 to 42 days; a self-exclusion 6, 12, 24 or 60 months, or permanent.
    case invalidTerm
    /// The player is already excluded until later than this request would: an exclusion is
    /// never shortened (nil: permanently).
    case alreadyExcluded(until: Date?)
    /// A reality check comes every 5 to 600 minutes.
    case invalidInterval

    public var code: String {
        switch self {
        case .invalidSlot: "invalidLimit"
        case .unknownCurrency: "unknownCurrency"
        case .invalidAmount: "invalidAmount"
        case .nothingPending: "nothingPending"
        case .coolingOff: "coolingOff"
        case .invalidTerm: "invalidTerm"
        case .alreadyExcluded: "alreadyExcluded"
        case .invalidInterval: "invalidInterval"
        }
    }
}

/// Why player protection refused a deposit: a deposit limit (how much is left and when the
/// period starts again) or an exclusion (until when; nil: permanent).
public enum ProtectionRefusal: Error, Sendable, Equatable {
    case limitReached(period: ProtectionPeriod, currency: String, limit: String, left: String, resetsAt: Date)
    case excluded(ExclusionKind, until: Date?)

    public var code: String {
        switch self {
        case .limitReached: "depositLimitReached"
        case .excluded(.timeOut, _): "timedOut"
        case .excluded(.selfExclusion, _): "selfExcluded"
        }
    }

    /// In English, for the API and logs; the pages say it in the player's language.
    public var message: String {
        switch self {
        case .limitReached(let period, let currency, let limit, let left, let resetsAt):
            "Your deposit limit of \(limit) \(currency) per \(period.rawValue) leaves \(left) \(currency) until "
                + "\(resetsAt.formatted(.iso8601))."
        case .excluded(let kind, let until):
            "Your \(kind == .timeOut ? "time-out" : "self-exclusion") runs "
                + (until.map { "until \($0.formatted(.iso8601))" } ?? "permanently") + ": deposits are closed."
        }
    }
}
