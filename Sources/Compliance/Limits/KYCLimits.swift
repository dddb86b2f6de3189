import Core
import Foundation
import Logging
import PostgresNIO

/// What a player used of one limit and what is left, in the pivot.
public struct LimitUsage: Sendable, Equatable {
    public let direction: LimitDirection
    public let window: LimitWindow
    /// Exact decimal text in the pivot; `limit` and `left` are nil when the level has no limit.
    public let limit: String?
    public let used: String
    public let left: String?
}

/// The KYC level limits (`MovementLimits`): each level's four limits against the player's
/// deposits or withdrawals in the last 24 hours and 30 days, as Payments' history tells them
/// (open and completed ones count; failed, expired, cancelled and rejected ones do not), each
/// converted to the pivot at the rate valid when it was asked for, plus the new amount at the
/// rate valid now. Every conversion rounds up to the pivot's ledger unit (the safe side).
public struct KYCLimits: MovementLimits {
    let levels: KYCLevels
    let history: any MoneyMovementHistory
    let rates: FXRates
    let requirements: RequirementCheck
    let logger: Logger
    let now: @Sendable () -> Date

    init(
        levels: KYCLevels, history: any MoneyMovementHistory, rates: FXRates, requirements: RequirementCheck, logger: Logger,
        now: @escaping @Sendable () -> Date
    ) {
        self.levels = levels
        self.history = history
        self.rates = rates
        self.requirements = requirements
        self.logger = logger
        self.now = now
    }

    public func admit(player: PlayerID, direction: LimitDirection, currency: String, units: Int64, on connection: PostgresConnection)
        async throws -> MovementRefusal?
    {
        try await PlayerLock.acquire(player, on: connection, logger: logger)
        let moment = now()
        let level = try await levels.level(of: player, on: connection)
        let all = try await levels.all(on: connection)
        let limits = try await limitUnits(of: all.first { $0.level == level }, direction: direction)
        if limits.isEmpty { return nil }
        let added: Int64
        let sums: [LimitWindow: Int64]
        do {
            added = try await rates.pivotUnits(units, of: currency, at: moment, on: connection)
            sums = try await used(by: player, direction: direction, at: moment, on: connection)
        } catch let missing as MissingRate {
            return .rateMissing(currency: missing.currency)
        }
        let scale = try await pivotScale()
        for window in LimitWindow.allCases {
            guard let limit = limits[window] else { continue }
            let used = sums[window] ?? 0
            let (total, overflow) = used.addingReportingOverflow(added)
            guard overflow || total > limit else { continue }
            let next = level < KYCLevel.range.upperBound ? level + 1 : nil
            var nextRequirements: [RequirementStatus] = []
            if let next, let nextLevel = all.first(where: { $0.level == next }) {
                nextRequirements = try await requirements.statuses(of: player, for: nextLevel.requirements, on: connection)
            }
            return .limitReached(
                LimitRefusal(
                    direction: direction, window: window, pivot: rates.pivot, limit: Amount.decimal(units: limit, scale: scale),
                    left: Amount.decimal(units: max(0, limit - used), scale: scale), level: level, nextLevel: next,
                    nextRequirements: nextRequirements))
        }
        return nil
    }

    /// What the player used of each limit of their level and what is left (throws `MissingRate`).
    public func usage(of player: PlayerID, on connection: PostgresConnection) async throws -> [LimitUsage] {
        let moment = now()
        let level = try await levels.level(of: player, on: connection)
        let configured = try await levels.all(on: connection).first { $0.level == level }
        let scale = try await pivotScale()
        var usage: [LimitUsage] = []
        for direction in LimitDirection.allCases {
            let limits = try await limitUnits(of: configured, direction: direction)
            let sums = try await used(by: player, direction: direction, at: moment, on: connection)
            for window in LimitWindow.allCases {
                let used = sums[window] ?? 0
                usage.append(
                    LimitUsage(
                        direction: direction, window: window, limit: limits[window].map { Amount.decimal(units: $0, scale: scale) },
                        used: Amount.decimal(units: used, scale: scale),
                        left: limits[window].map { Amount.decimal(units: max(0, $0 - used), scale: scale) }))
            }
        }
        return usage
    }

    /// The player's sums in pivot units per window, ending at `moment`.
    func used(by player: PlayerID, direction: LimitDirection, at moment: Date, on connection: PostgresConnection) async throws
        -> [LimitWindow: Int64]
    {
        let longest = LimitWindow.allCases.map(\.seconds).max() ?? 0
        let wanted: MoneyMovement.Direction = direction == .deposit ? .deposit : .withdrawal
        let movements = try await history.movements(of: player, since: moment.addingTimeInterval(-longest), on: connection)
            .filter { $0.direction == wanted }
        var sums: [LimitWindow: Int64] = [:]
        for movement in movements {
            let converted = try await rates.pivotUnits(movement.units, of: movement.currency, at: movement.requestedAt, on: connection)
            for window in LimitWindow.allCases where movement.requestedAt >= moment.addingTimeInterval(-window.seconds) {
                let (sum, overflow) = (sums[window] ?? 0).addingReportingOverflow(converted)
                sums[window] = overflow ? .max : sum
            }
        }
        return sums
    }

    /// A level's limits in pivot units; a figure that does not parse counts as 0 (fail closed).
    /// A missing level (the table always has L0–L3) counts as limits of 0.
    private func limitUnits(of level: KYCLevel?, direction: LimitDirection) async throws -> [LimitWindow: Int64] {
        let scale = try await pivotScale()
        guard let level else { return Dictionary(uniqueKeysWithValues: LimitWindow.allCases.map { ($0, 0) }) }
        var limits: [LimitWindow: Int64] = [:]
        for window in LimitWindow.allCases {
            guard let text = level.limits.limit(direction, window) else { continue }
            limits[window] = (try? Amount.units(fromDecimal: text, scale: scale)) ?? 0
        }
        return limits
    }

    private func pivotScale() async throws -> Int {
        guard let scale = try await rates.scale(of: rates.pivot) else { throw MissingRate(currency: rates.pivot, moment: now()) }
        return scale
    }
}
