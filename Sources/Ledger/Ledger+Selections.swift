import Core
import Foundation
import PostgresNIO

extension Ledger {
    /// Players holding a `currency` account whose real balance lies in `from...until` (ledger
    /// units; nil = open), for the back office's players search. A player who never used the
    /// currency has no account and is not matched.
    public func players(holding currency: String, realFrom from: Int64?, realUntil until: Int64?) async throws -> PlayerSelection {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT player_id FROM ledger_accounts
                 WHERE player_id IS NOT NULL AND currency = \(currency) AND balance_kind = 'real'
                   AND (\(from)::bigint IS NULL OR balance >= \(from)) AND (\(until)::bigint IS NULL OR balance <= \(until))
                """, logger: logger)
            var players: Set<PlayerID> = []
            for try await id in rows.decode(Int64.self) { players.insert(PlayerID(id)) }
            return .only(players)
        }
    }
}
