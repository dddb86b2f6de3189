import Core
import Foundation
import Logging
import PostgresNIO

/// Player protection's answer to "may this player deposit this money now?", asked by Payments
/// in the transaction that writes the deposit, after `MovementLimits.admit` took the player's
/// Compliance lock (docs/player-protection.md "Where it is enforced").
public protocol DepositProtection: Sendable {
    /// nil when admitted. `units` are ledger units of `currency`.
    func admitDeposit(player: PlayerID, currency: String, units: Int64, on connection: PostgresConnection) async throws
        -> ProtectionRefusal?
}

extension PlayerProtection: DepositProtection {
    /// Refuses during an exclusion, or when the deposit would pass a deposit limit of its currency
    /// in the current UTC period. The sum is Payments' history of the player's deposits in that
    /// currency since the period's start (open and completed ones; those that failed, expired or
    /// were cancelled do not count), as the KYC limits read it.
    public func admitDeposit(player: PlayerID, currency: String, units: Int64, on connection: PostgresConnection) async throws
        -> ProtectionRefusal?
    {
        try await PlayerLock.acquire(player, on: connection, logger: logger)
        if let exclusion = try await exclusion(of: player, on: connection) {
            return .excluded(exclusion.kind, until: exclusion.endsAt)
        }
        let moment = now()
        let limits = try await limits(of: player, on: connection).filter { $0.kind == .deposit && $0.currency == currency }
        guard !limits.isEmpty, let scale = try await scale(of: currency) else { return nil }
        let longest = limits.compactMap(\.period).map { $0.interval(containing: moment).start }.min() ?? moment
        let deposits = try await history.movements(of: player, since: longest, on: connection)
            .filter { $0.direction == .deposit && $0.currency == currency }
        for limit in limits {
            guard let period = limit.period, let limitUnits = limit.units else { continue }
            let interval = period.interval(containing: moment)
            let used = deposits.filter { $0.requestedAt >= interval.start }.reduce(Int64(0)) { $0 &+ $1.units }
            let (total, overflow) = used.addingReportingOverflow(units)
            guard overflow || total > limitUnits else { continue }
            return .limitReached(
                period: period, currency: currency, limit: DisplayAmount.text(units: limitUnits, scale: scale),
                left: DisplayAmount.text(units: max(0, limitUnits - used), scale: scale), resetsAt: interval.end)
        }
        return nil
    }
}

/// An exact amount for people: the ledger's decimals without the trailing zeros past the
/// second (`10.00000` → `10.00`, `0.12345000` → `0.12345`).
public enum DisplayAmount {
    public static func text(units: Int64, scale: Int) -> String {
        var text = Amount.decimal(units: units, scale: scale)
        guard let dot = text.firstIndex(of: ".") else { return text }
        while text.last == "0", text.distance(from: dot, to: text.endIndex) > 3 { text.removeLast() }
        return text
    }
}
