import Foundation

/// What a player can limit (docs/player-protection.md "Limits"): money in (`deposit`), net
/// losses (stakes − wins, `loss`), turnover (stakes, `wager`), each per calendar period and
/// currency, and the length of one playing session in minutes (`session`).
public enum ProtectionLimitKind: String, Sendable, CaseIterable {
    case deposit, loss, wager, session

    /// Whether the limit counts money per period (all but `session`).
    public var isMoney: Bool { self != .session }
}

/// A calendar period in UTC: the day from 00:00, the ISO week from Monday 00:00, the month from
/// the 1st. A limit's usage starts again at the next period's start, which a refusal names.
public enum ProtectionPeriod: String, Sendable, CaseIterable {
    case day, week, month

    private static let calendar: Calendar = {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()

    private var component: Calendar.Component {
        switch self {
        case .day: .day
        case .week: .weekOfYear
        case .month: .month
        }
    }

    /// The period holding `moment`: its start (inclusive) and end (exclusive, the next start).
    public func interval(containing moment: Date) -> DateInterval {
        Self.calendar.dateInterval(of: component, for: moment) ?? DateInterval(start: moment, duration: 0)
    }
}

/// A limit one player keeps: the one in force (nil when only a pending change exists) and a
/// raise or removal waiting for its cooling-off and the player's confirmation.
public struct ProtectionLimit: Sendable, Equatable {
    public let kind: ProtectionLimitKind
    /// nil for `session`.
    public let period: ProtectionPeriod?
    /// The currency the amounts are in; nil for `session`.
    public let currency: String?
    /// Ledger units of `currency` (minutes for `session`); nil when no limit is in force.
    public let units: Int64?
    public let pending: PendingLimitChange?

    public init(kind: ProtectionLimitKind, period: ProtectionPeriod?, currency: String?, units: Int64?, pending: PendingLimitChange?) {
        self.kind = kind
        self.period = period
        self.currency = currency
        self.units = units
        self.pending = pending
    }
}

/// A raise (`units` set) or removal (`units` nil) that takes effect when the player confirms it
/// at or after `effectiveAt`; until then the limit in force stays.
public struct PendingLimitChange: Sendable, Equatable {
    public let units: Int64?
    public let effectiveAt: Date

    public init(units: Int64?, effectiveAt: Date) {
        self.units = units
        self.effectiveAt = effectiveAt
    }
}

/// Which limit a request names: kind, and for money limits the period and currency.
public struct LimitSlot: Sendable, Equatable, Hashable {
    public let kind: ProtectionLimitKind
    public let period: ProtectionPeriod?
    public let currency: String?

    public init(kind: ProtectionLimitKind, period: ProtectionPeriod?, currency: String?) {
        self.kind = kind
        self.period = period
        self.currency = currency
    }

    /// The session limit (minutes), which has no period or currency.
    public static let session = LimitSlot(kind: .session, period: nil, currency: nil)

    /// The key columns as stored ('' for no period or currency).
    var stored: (kind: String, period: String, currency: String) { (kind.rawValue, period?.rawValue ?? "", currency ?? "") }
}

/// What a limit change did: applied at once (a new or lower limit), or waiting until
/// `effectiveAt` and the player's confirmation (a raise or removal).
public enum LimitChangeResult: Sendable, Equatable {
    case applied
    case pending(effectiveAt: Date)
}
