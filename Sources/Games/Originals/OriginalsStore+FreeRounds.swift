import Foundation
import PostgresNIO

/// The free rounds operators awarded (`originals_free_rounds`): a round is claimed before its
/// free bet is sent and given back if the wallet refuses the bet.
extension OriginalsStore {
    struct FreeRounds: Sendable, Equatable {
        let reward: String
        let betUnits: Int64
        let left: Int
    }

    /// Writes an award once; an award already kept under `reward` is left as it is.
    func award(reward: String, player: String, game: String, currency: String, betUnits: Int64, rounds: Int, validUntil: Date)
        async throws
    {
        try await database.withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO originals_free_rounds (reward, player, game_code, currency, bet_units, rounds, valid_until)
                VALUES (\(reward), \(player), \(game), \(currency), \(betUnits), \(rounds), \(validUntil))
                ON CONFLICT (reward) DO NOTHING
                """, logger: logger
            ).collect()
        }
    }

    func cancel(reward: String, now: Date = Date()) async throws {
        try await database.withConnection { connection in
            _ = try await connection.query(
                "UPDATE originals_free_rounds SET cancelled_at = \(now) WHERE reward = \(reward) AND cancelled_at IS NULL", logger: logger
            ).collect()
        }
    }

    /// Rounds not played yet (while valid and not cancelled) plus rounds played whose win is not settled.
    func openRounds(reward: String, now: Date = Date()) async throws -> Int {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT coalesce((SELECT rounds - used FROM originals_free_rounds
                                  WHERE reward = \(reward) AND cancelled_at IS NULL AND valid_until > \(now)), 0)
                     + (SELECT count(*) FROM originals_rounds WHERE reward = \(reward) AND settled_at IS NULL)::int
                """, logger: logger)
            for try await open in rows.decode(Int.self) { return open }
            return 0
        }
    }

    /// The player's oldest valid award on this game and currency with rounds left.
    func available(player: String, game: String, currency: String, now: Date = Date()) async throws -> FreeRounds? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT reward, bet_units, rounds - used FROM originals_free_rounds
                 WHERE player = \(player) AND game_code = \(game) AND currency = \(currency) AND cancelled_at IS NULL
                   AND valid_until > \(now) AND used < rounds
                 ORDER BY created_at, reward LIMIT 1
                """, logger: logger)
            for try await (reward, bet, left) in rows.decode((String, Int64, Int).self) {
                return FreeRounds(reward: reward, betUnits: bet, left: left)
            }
            return nil
        }
    }

    /// Takes one round of the player's oldest valid award on this game; nil when there is none.
    func claim(player: String, game: String, currency: String, now: Date = Date()) async throws -> FreeRounds? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                UPDATE originals_free_rounds SET used = used + 1
                 WHERE reward = (SELECT reward FROM originals_free_rounds
                                  WHERE player = \(player) AND game_code = \(game) AND currency = \(currency) AND cancelled_at IS NULL
                                    AND valid_until > \(now) AND used < rounds
                                  ORDER BY created_at, reward LIMIT 1 FOR UPDATE SKIP LOCKED)
                   AND used < rounds
                RETURNING reward, bet_units, rounds - used
                """, logger: logger)
            for try await (reward, bet, left) in rows.decode((String, Int64, Int).self) {
                return FreeRounds(reward: reward, betUnits: bet, left: left)
            }
            return nil
        }
    }

    /// Gives back a claimed round whose free bet the wallet did not accept.
    func release(reward: String) async throws {
        try await database.withConnection { connection in
            _ = try await connection.query(
                "UPDATE originals_free_rounds SET used = used - 1 WHERE reward = \(reward) AND used > 0", logger: logger
            ).collect()
        }
    }
}
