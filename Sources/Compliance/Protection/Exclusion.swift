import Core
import Foundation

/// A time-out (a short break) or a self-exclusion (a long or permanent one).
public enum ExclusionKind: String, Sendable {
    case timeOut, selfExclusion
}

/// What the player asks for: a time-out of 1 to 42 days (24 hours to 6 weeks), or a
/// self-exclusion of 6, 12, 24 or 60 months, or for good.
public enum ExclusionTerm: Sendable, Equatable {
    case timeOut(days: Int)
    case selfExclusion(months: Int)
    case permanent

    public static let timeOutDays = 1...42
    public static let selfExclusionMonths = [6, 12, 24, 60]

    public var kind: ExclusionKind {
        if case .timeOut = self { return .timeOut }
        return .selfExclusion
    }

    /// When an exclusion of this term taken at `start` ends (nil: never); nil result for a term
    /// outside the allowed ones is reported as `invalidTerm` by the caller.
    func end(from start: Date) throws(ProtectionProblem) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        switch self {
        case .timeOut(let days):
            guard Self.timeOutDays.contains(days) else { throw .invalidTerm }
            return start.addingTimeInterval(TimeInterval(days) * 86_400)
        case .selfExclusion(let months):
            guard Self.selfExclusionMonths.contains(months), let end = calendar.date(byAdding: .month, value: months, to: start) else {
                throw .invalidTerm
            }
            return end
        case .permanent:
            return nil
        }
    }
}

/// An exclusion in force: its kind, when it started, and when it ends (nil: permanent).
public struct Exclusion: Sendable, Equatable {
    public let kind: ExclusionKind
    public let startsAt: Date
    public let endsAt: Date?

    public init(kind: ExclusionKind, startsAt: Date, endsAt: Date?) {
        self.kind = kind
        self.startsAt = startsAt
        self.endsAt = endsAt
    }
}

/// Told when a player is excluded (after the exclusion committed), so that other contexts can
/// act on it (bonus forfeiture, wired by the App). `until` nil: permanently.
public protocol ProtectionObserver: Sendable {
    func playerExcluded(player: PlayerID, until: Date?) async
}

/// The observer while no other context needs to know.
public struct NoProtectionObserver: ProtectionObserver {
    public init() {}
    public func playerExcluded(player: PlayerID, until: Date?) async {}
}
