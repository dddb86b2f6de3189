import Core
import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A game session: the token given to a provider at launch, bound to player, game and currency.
public struct GameSession: Sendable, Equatable {
    public let player: PlayerID
    public let provider: String
    public let gameCode: String
    public let currency: String
    public let expiresAt: Date
}

/// Tokens are 32 random bytes; only their SHA-256 is stored, so a database dump holds no token
/// a provider would accept.
public struct GameSessions: Sendable {
    public let database: Database
    public let logger: Logger
    /// How long a launch stays good for bets; wins and rollbacks ignore it.
    public let lifetime: TimeInterval

    public init(database: Database, logger: Logger, lifetime: TimeInterval = 12 * 3600) {
        self.database = database
        self.logger = logger
        self.lifetime = lifetime
    }

    static func hash(_ token: String) -> ByteBuffer { ByteBuffer(bytes: hashBytes(token)) }
    static func hashBytes(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Data(token.utf8))) }

    public func start(player: PlayerID, provider: String, gameCode: String, currency: String, now: Date = Date()) async throws -> String {
        let token = RandomToken.hex(byteCount: 32)
        try await database.withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO games_sessions (token_hash, player_id, provider, game_code, currency, created_at, expires_at)
                VALUES (\(Self.hash(token)), \(player.rawValue), \(provider), \(gameCode), \(currency), \(now), \(now.addingTimeInterval(lifetime)))
                """, logger: logger
            ).collect()
        }
        return token
    }

    /// The session behind a provider's token, whatever its expiry; nil when unknown.
    public func session(token: String, provider: String) async throws -> GameSession? {
        guard (1...255).contains(token.utf8.count) else { return nil }
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT player_id, provider, game_code, currency, expires_at FROM games_sessions
                 WHERE token_hash = \(Self.hash(token)) AND provider = \(provider)
                """, logger: logger)
            for try await (player, provider, game, currency, expires) in rows.decode((Int64, String, String, String, Date).self) {
                return GameSession(player: PlayerID(player), provider: provider, gameCode: game, currency: currency, expiresAt: expires)
            }
            return nil
        }
    }
}
