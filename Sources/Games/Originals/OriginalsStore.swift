import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// What Croupier Originals keeps as a provider: sessions opened by the operator's launch,
/// seed pairs, and settled rounds.
struct OriginalsStore: Sendable {
    let database: Database
    let logger: Logger

    struct Session: Sendable {
        let id: String
        let operatorToken: String
        let player: String
        let gameCode: String
        let currency: String
        let language: String
        let expiresAt: Date
    }

    struct SeedPair: Sendable {
        let id: Int64
        let serverSeed: String
        let serverSeedHash: String
        let clientSeed: String
        let nonce: Int64
    }

    func createSession(operatorToken: String, player: String, gameCode: String, currency: String, language: String, lifetime: TimeInterval)
        async throws
        -> String
    {
        let id = RandomToken.hex(byteCount: 16)
        try await database.withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO originals_sessions (id, operator_token, player, game_code, currency, language, expires_at)
                VALUES (\(id), \(operatorToken), \(player), \(gameCode), \(currency), \(language), \(Date().addingTimeInterval(lifetime)))
                """, logger: logger
            ).collect()
        }
        return id
    }

    func session(_ id: String) async throws -> Session? {
        guard id.count == 32, Hex.decode(id) != nil else { return nil }
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT id, operator_token, player, game_code, currency, language, expires_at FROM originals_sessions WHERE id = \(id)",
                logger: logger)
            for try await (id, token, player, game, currency, language, expires) in rows.decode(
                (String, String, String, String, String, String, Date).self)
            {
                return Session(
                    id: id, operatorToken: token, player: player, gameCode: game, currency: currency, language: language, expiresAt: expires
                )
            }
            return nil
        }
    }

    /// The player's active seed pair, created on first use.
    func activeSeeds(of player: String) async throws -> SeedPair {
        try await database.withTransaction(logger: logger) { connection in
            try await active(player, on: connection)
        }
    }

    /// Makes the player's first seed pair; a concurrent twin waits for the first and adds none.
    private func createActiveIfMissing(_ player: String, on connection: PostgresConnection) async throws {
        let serverSeed = ProvablyFair.newServerSeed()
        _ = try await connection.query(
            """
            INSERT INTO originals_seeds (player, server_seed, server_seed_hash, client_seed)
            VALUES (\(player), \(serverSeed), \(ProvablyFair.commitment(serverSeed)), \(RandomToken.hex(byteCount: 8)))
            ON CONFLICT (player) WHERE revealed_at IS NULL DO NOTHING
            """, logger: logger
        ).collect()
    }

    private func active(_ player: String, on connection: PostgresConnection) async throws -> SeedPair {
        try await createActiveIfMissing(player, on: connection)
        let rows = try await connection.query(
            "SELECT id, server_seed, server_seed_hash, client_seed, next_nonce FROM originals_seeds WHERE player = \(player) AND revealed_at IS NULL",
            logger: logger)
        for try await (id, seed, hash, client, nonce) in rows.decode((Int64, String, String, String, Int64).self) {
            return SeedPair(id: id, serverSeed: seed, serverSeedHash: hash, clientSeed: client, nonce: nonce)
        }
        throw OriginalsError.storage("no active seed pair")
    }

    /// Takes the next nonce of the active pair: each round gets its own, in order. Reading and
    /// moving the counter is one UPDATE, so concurrent rounds queue on the row's lock and each
    /// gets the nonce its own update took (a read before the update let two rounds take one).
    func reserveNonce(of player: String) async throws -> SeedPair {
        try await database.withTransaction(logger: logger) { connection in
            // A rotation committing meanwhile reveals the pair this update waited for; the next
            // statement sees the new one.
            for _ in 1...3 {
                try await createActiveIfMissing(player, on: connection)
                let rows = try await connection.query(
                    """
                    UPDATE originals_seeds SET next_nonce = next_nonce + 1 WHERE player = \(player) AND revealed_at IS NULL
                    RETURNING id, server_seed, server_seed_hash, client_seed, next_nonce - 1
                    """, logger: logger)
                for try await (id, seed, hash, client, nonce) in rows.decode((Int64, String, String, String, Int64).self) {
                    return SeedPair(id: id, serverSeed: seed, serverSeedHash: hash, clientSeed: client, nonce: nonce)
                }
            }
            throw OriginalsError.storage("no active seed pair to take a nonce from")
        }
    }

    /// Reveals the active server seed and starts a new pair with the player's client seed.
    func rotate(player: String, clientSeed: String) async throws -> (revealed: SeedPair?, current: SeedPair) {
        try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE originals_seeds SET revealed_at = now() WHERE player = \(player) AND revealed_at IS NULL
                RETURNING id, server_seed, server_seed_hash, client_seed, next_nonce
                """, logger: logger)
            var revealed: SeedPair?
            for try await (id, seed, hash, client, nonce) in rows.decode((Int64, String, String, String, Int64).self) {
                revealed = SeedPair(id: id, serverSeed: seed, serverSeedHash: hash, clientSeed: client, nonce: nonce)
            }
            let serverSeed = ProvablyFair.newServerSeed()
            _ = try await connection.query(
                """
                INSERT INTO originals_seeds (player, server_seed, server_seed_hash, client_seed)
                VALUES (\(player), \(serverSeed), \(ProvablyFair.commitment(serverSeed)), \(clientSeed))
                """, logger: logger
            ).collect()
            return (revealed, try await active(player, on: connection))
        }
    }

    /// A round whose bet the wallet accepted, recorded before its win is sent (unsettled).
    func recordRound(
        player: String, seed: SeedPair, nonce: Int64, game: String, currency: String, bet: Int64, win: Int64, parameters: String,
        outcome: String,
        operatorToken: String, reward: String? = nil
    ) async throws -> Int64 {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                INSERT INTO originals_rounds (player, seed_id, nonce, game_code, currency, bet_units, win_units, parameters, outcome, operator_token,
                                              reward)
                VALUES (\(player), \(seed.id), \(nonce), \(game), \(currency), \(bet), \(win), \(parameters)::jsonb, \(outcome)::jsonb, \(operatorToken),
                        \(reward))
                RETURNING id
                """, logger: logger)
            for try await id in rows.decode(Int64.self) { return id }
            throw OriginalsError.storage("round not recorded")
        }
    }

    func markSettled(_ id: Int64) async throws {
        try await database.withConnection { connection in
            _ = try await connection.query("UPDATE originals_rounds SET settled_at = now() WHERE id = \(id)", logger: logger).collect()
        }
    }

    struct Unsettled: Sendable {
        let id: Int64
        let player: String
        let seedID: Int64
        let nonce: Int64
        let game: String
        let currency: String
        let win: Int64
        let operatorToken: String
    }

    /// Rounds whose win was never answered, older than `age` (so a round still being played is
    /// left to its own request).
    func unsettled(olderThan age: TimeInterval, now: Date = Date()) async throws -> [Unsettled] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, player, seed_id, nonce, game_code, currency, win_units, coalesce(operator_token, '') FROM originals_rounds
                 WHERE settled_at IS NULL AND created_at < \(now.addingTimeInterval(-age)) ORDER BY id LIMIT 100
                """, logger: logger)
            var rounds: [Unsettled] = []
            for try await (id, player, seed, nonce, game, currency, win, token) in rows.decode(
                (Int64, String, Int64, Int64, String, String, Int64, String).self)
            {
                rounds.append(
                    Unsettled(
                        id: id, player: player, seedID: seed, nonce: nonce, game: game, currency: currency, win: win, operatorToken: token))
            }
            return rounds
        }
    }

    struct PastRound: Sendable {
        let id: Int64
        let game: String
        let nonce: Int64
        let clientSeed: String
        let serverSeedHash: String
        /// Empty until the pair is rotated.
        let serverSeed: String
        let bet: Int64
        let win: Int64
        let parameters: String
        let outcome: String
        let at: Date
    }

    func rounds(of player: String, limit: Int = 50) async throws -> [PastRound] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT r.id, r.game_code, r.nonce, s.client_seed, s.server_seed_hash, CASE WHEN s.revealed_at IS NULL THEN '' ELSE s.server_seed END,
                       r.bet_units, r.win_units, r.parameters::text, r.outcome::text, r.created_at
                  FROM originals_rounds r JOIN originals_seeds s ON s.id = r.seed_id
                 WHERE r.player = \(player) ORDER BY r.id DESC LIMIT \(limit)
                """, logger: logger)
            var rounds: [PastRound] = []
            for try await (id, game, nonce, client, hash, seed, bet, win, parameters, outcome, at) in rows.decode(
                (Int64, String, Int64, String, String, String, Int64, Int64, String, String, Date).self)
            {
                rounds.append(
                    PastRound(
                        id: id, game: game, nonce: nonce, clientSeed: client, serverSeedHash: hash, serverSeed: seed, bet: bet, win: win,
                        parameters: parameters,
                        outcome: outcome, at: at))
            }
            return rounds
        }
    }
}

public enum OriginalsError: Error, Sendable, CustomStringConvertible {
    case storage(String)
    case notConfigured

    public var description: String {
        switch self {
        case .storage(let detail): "Croupier Originals storage: \(detail)"
        case .notConfigured: "Croupier Originals has no keys yet (it registers itself when the server starts)"
        }
    }
}
