import Core
import Foundation
import PostgresNIO

/// What a player staked and won since an instant, per currency: the reality check that game
/// pages show (docs/player-protection.md "Reality checks").
extension Ledger {
    public struct PlayTotals: Sendable, Equatable {
        /// Ledger units of the currency: every bet's real and bonus parts, and every win.
        public let staked: Int64
        public let won: Int64

        public init(staked: Int64, won: Int64) {
            self.staked = staked
            self.won = won
        }
    }

    /// Bets and wins applied at or after `since`, leaving out those that were rolled back (their
    /// money came back), per currency.
    public func playTotals(of player: PlayerID, since: Date) async throws -> [String: PlayTotals] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT t.currency,
                       coalesce(sum(-(t.real_delta + t.bonus_delta)) FILTER (WHERE t.kind = 'bet'), 0)::bigint,
                       coalesce(sum(t.real_delta + t.bonus_delta) FILTER (WHERE t.kind = 'win'), 0)::bigint
                  FROM ledger_transactions t
                 WHERE t.player_id = \(player.rawValue) AND t.kind IN ('bet', 'win') AND t.created_at >= \(since)
                   AND NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.reference_id = t.id AND r.kind = 'rollback')
                 GROUP BY t.currency
                """, logger: logger)
            var totals: [String: PlayTotals] = [:]
            for try await (currency, staked, won) in rows.decode((String, Int64, Int64).self) {
                totals[currency] = PlayTotals(staked: staked, won: won)
            }
            return totals
        }
    }
}
