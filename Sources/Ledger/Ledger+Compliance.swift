import Core
import Foundation
import PostgresNIO

/// What Compliance's AML rules ask the ledger (docs/compliance.md), read on the caller's
/// connection so that a check inside a transaction sees what that transaction sees.
extension Ledger {
    /// The player's stakes since `since` (inclusive), per currency, in ledger units: every bet's
    /// real and bonus parts, leaving out bets that were rolled back (their stake came back).
    public func betTurnover(of player: PlayerID, since: Date, on connection: PostgresConnection) async throws -> [String: Int64] {
        let rows = try await connection.query(
            """
            SELECT b.currency, sum(-(b.real_delta + b.bonus_delta))::bigint FROM ledger_transactions b
             WHERE b.player_id = \(player.rawValue) AND b.kind = 'bet' AND b.created_at >= \(since)
               AND NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.reference_id = b.id AND r.kind = 'rollback')
             GROUP BY b.currency
            """, logger: logger)
        var turnover: [String: Int64] = [:]
        for try await (currency, units) in rows.decode((String, Int64).self) { turnover[currency] = units }
        return turnover
    }

    /// When the player's last ledger transaction before `moment` happened (any kind, any
    /// currency); nil when they had none.
    public func lastTransaction(of player: PlayerID, before moment: Date, on connection: PostgresConnection) async throws -> Date? {
        let rows = try await connection.query(
            "SELECT max(created_at) FROM ledger_transactions WHERE player_id = \(player.rawValue) AND created_at < \(moment)",
            logger: logger)
        for try await last in rows.decode(Date?.self) { return last }
        return nil
    }

    /// The player's `real` balances per currency on `connection` (a freeze of all of them reads these).
    public func realBalances(of player: PlayerID, on connection: PostgresConnection) async throws -> [String: Int64] {
        let rows = try await connection.query(
            """
            SELECT currency, balance FROM ledger_accounts WHERE player_id = \(player.rawValue) AND balance_kind = 'real' AND balance > 0
            """, logger: logger)
        var result: [String: Int64] = [:]
        for try await (currency, balance) in rows.decode((String, Int64).self) { result[currency] = balance }
        return result
    }
}
