import Core
import Foundation
import Ledger
import Persistence

/// Player protection in the simulation (docs/benchmarks.md, "Simulation"): every bet, win and
/// rollback goes through the hooks the App composes for a provider's calls, and some players
/// play under daily loss and wager limits that they set, lower and raise through Compliance's own
/// API while they play. `PlayLimitModel` predicts which bets the limits refuse.
public struct SimulatedProtection: Sendable {
    public enum Limit: String, Sendable, CaseIterable {
        case loss, wager
    }

    public var betChecks: [TransactionHook]
    public var betFollowUps: [TransactionHook]
    public var winFollowUps: [TransactionHook]
    /// One player in this many plays under limits (those whose index is a multiple of it).
    public var limitedEvery: Int
    /// Sets the player's daily limit in EUR to the units given, or removes it (nil), through the
    /// real API; answers whether the change applies now (a raise or removal waits its cooling-off).
    public var setLimit: @Sendable (PlayerID, Limit, Int64?) async throws -> Bool

    public init(
        betChecks: [TransactionHook], betFollowUps: [TransactionHook], winFollowUps: [TransactionHook], limitedEvery: Int,
        setLimit: @escaping @Sendable (PlayerID, Limit, Int64?) async throws -> Bool
    ) {
        self.betChecks = betChecks
        self.betFollowUps = betFollowUps
        self.winFollowUps = winFollowUps
        self.limitedEvery = limitedEvery
        self.setLimit = setLimit
    }
}

/// The limits' rules for one player, written independently of Compliance's SQL: a bet is refused
/// when the day's stakes plus it pass the wager limit, or the day's stakes minus wins plus it pass
/// the loss limit; a rollback takes its bet back from the day the bet counted on; a new or lower
/// limit applies at once, a raise or removal does not (its cooling-off outlasts the run).
struct PlayLimitModel {
    private(set) var limits: [SimulatedProtection.Limit: Int64] = [:]
    private var days: [String: (stake: Int64, win: Int64)] = [:]
    private var bets: [IdempotencyKey: (day: String, units: Int64)] = [:]

    /// Whether setting `limit` to `units` (nil: removal) applies now.
    func applies(_ limit: SimulatedProtection.Limit, _ units: Int64?) -> Bool {
        guard let inForce = limits[limit] else { return true }
        return units.map { $0 <= inForce } ?? false
    }

    /// Records a change the API applied.
    mutating func set(_ limit: SimulatedProtection.Limit, _ units: Int64?) { limits[limit] = units }

    func refuses(bet units: Int64, on day: String) -> Bool {
        let played = days[day] ?? (0, 0)
        if let wager = limits[.wager], played.stake + units > wager { return true }
        if let loss = limits[.loss], played.stake - played.win + units > loss { return true }
        return false
    }

    /// A bet the counters hold: the day it counted on and its stake.
    func bet(_ key: IdempotencyKey) -> (day: String, units: Int64)? { bets[key] }

    mutating func recordBet(_ key: IdempotencyKey, units: Int64, on day: String) {
        bets[key] = (day, units)
        days[day, default: (0, 0)].stake += units
    }

    mutating func recordWin(units: Int64, on day: String) { days[day, default: (0, 0)].win += units }

    mutating func recordRollback(of bet: IdempotencyKey) {
        guard let (day, units) = bets[bet] else { return }
        days[day, default: (0, 0)].stake -= units
    }

    /// The UTC day the counters and the check use, as `YYYY-MM-DD`.
    static func day(of moment: Date) -> String { String(moment.formatted(.iso8601).prefix(10)) }
}
