import Core
import Logging
import PostgresNIO

/// The one per-player lock of the Compliance context, shared by deposits, withdrawals, level
/// changes and closures: a transaction-scoped advisory lock on `compliance.player:<id>`.
/// Whatever checks a player's limits and then writes the movement does both under it, so two
/// requests of one player are weighed one after the other and never both against the same sum.
/// It is released when the caller's transaction ends.
enum PlayerLock {
    static func acquire(_ player: PlayerID, on connection: PostgresConnection, logger: Logger) async throws {
        _ = try await connection.query(
            "SELECT pg_advisory_xact_lock(hashtextextended('compliance.player:' || \(player.rawValue)::text, 0))", logger: logger
        ).collect()
    }
}
