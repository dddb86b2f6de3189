import Logging
import Persistence

/// Confirmed players with chosen ids, for benchmarks on a scratch database. Real players exist
/// only through the sign-in flow; this is Identity's own shortcut, kept out of the server.
public enum SyntheticPlayers {
    /// Creates the players that do not exist yet, each confirmed (e-mail, 18+, terms).
    public static func create(ids: [Int64], database: Database, logger: Logger) async throws {
        try await database.withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO identity_players (id, telegram_id, email, email_confirmed_at, adult_confirmed_at, terms_accepted_at)
                OVERRIDING SYSTEM VALUE
                SELECT id, id, 'bench' || id || '@bench.invalid', now(), now(), now() FROM unnest(\(ids)::bigint[]) AS id
                ON CONFLICT DO NOTHING
                """, logger: logger
            ).collect()
        }
    }
}
