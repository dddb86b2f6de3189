import Core
import PostgresNIO

/// What Bonuses asks the ledger (docs/bonuses.md), read on the caller's connection so that a
/// settlement sees what its own transaction sees.
extension Ledger {
    /// A player's `bonus` balance in one currency, and the id of the last ledger transaction of
    /// theirs there, read together in one statement (one snapshot): the pair names the state a
    /// settlement decided on, so it can key its operation by it.
    public struct BonusBalance: Sendable, Equatable {
        public let units: Int64
        public let asOfTransaction: Int64
    }

    public func bonusBalance(of player: PlayerID, currency: String, on connection: PostgresConnection) async throws -> BonusBalance {
        let rows = try await connection.query(
            """
            SELECT coalesce((SELECT balance FROM ledger_accounts
                              WHERE player_id = \(player.rawValue) AND currency = \(currency) AND balance_kind = 'bonus'), 0),
                   coalesce((SELECT max(id) FROM ledger_transactions WHERE player_id = \(player.rawValue) AND currency = \(currency)), 0)
            """, logger: logger)
        for try await (units, last) in rows.decode((Int64, Int64).self) { return BonusBalance(units: units, asOfTransaction: last) }
        return BonusBalance(units: 0, asOfTransaction: 0)
    }

    /// Every player and currency whose `bonus` balance is above zero.
    public func bonusHolders(on connection: PostgresConnection) async throws -> [(player: PlayerID, currency: String)] {
        let rows = try await connection.query(
            "SELECT player_id, currency FROM ledger_accounts WHERE balance_kind = 'bonus' AND balance > 0 ORDER BY player_id, currency",
            logger: logger)
        var holders: [(player: PlayerID, currency: String)] = []
        for try await (player, currency) in rows.decode((Int64, String).self) { holders.append((PlayerID(player), currency)) }
        return holders
    }
}
