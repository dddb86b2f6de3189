import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A game provider as the platform knows it (DESIGN §5).
public struct Provider: Sendable, Equatable {
    public let code: String
    public let name: String
    public let dialect: String
    public let enabled: Bool
    public let currencies: [String]
    public let apiURL: String
    public let operatorID: Int64
    public let providerKeyFingerprint: String
    public let operatorKeyFingerprint: String
}

/// A game in the catalogue.
public struct Game: Sendable, Equatable {
    public let provider: String
    public let code: String
    public let name: String
    public let category: String
    /// Hundredths of a percent: 9612 is 96.12 %.
    public let rtpBasisPoints: Int?
    public let volatility: String?
    public let thumbnailURL: String
    public let enabled: Bool
    public let displayOrder: Int

    public init(
        provider: String, code: String, name: String, category: String, rtpBasisPoints: Int? = nil, volatility: String? = nil,
        thumbnailURL: String = "", enabled: Bool = true, displayOrder: Int = 1000
    ) {
        self.provider = provider
        self.code = code
        self.name = name
        self.category = category
        self.rtpBasisPoints = rtpBasisPoints
        self.volatility = volatility
        self.thumbnailURL = thumbnailURL
        self.enabled = enabled
        self.displayOrder = displayOrder
    }
}

public enum ProviderDirectoryError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidCode
    case codeTaken
    case notFound
    case invalidURL
    case unsupportedDialect(String)

    public var description: String {
        switch self {
        case .invalidCode: "a provider code is 2–40 characters of a–z, 0–9, _ and -"
        case .codeTaken: "a provider with this code exists already"
        case .notFound: "no such provider"
        case .invalidURL: "the API URL must be an absolute http(s) URL"
        case .unsupportedDialect(let dialect): "unknown dialect \(dialect); supported: hub88"
        }
    }
}

/// Providers, their sealed credentials and their games. Credentials are sealed for their
/// provider's code (`RowSealer`), so a database dump alone cannot sign as us and keys copied
/// onto another provider's row do not open there.
public struct ProviderDirectory: Sendable {
    public let database: Database
    public let logger: Logger
    let credentialSealer: RowSealer

    public init(database: Database, secret: SecretKey, logger: Logger) {
        self.database = database
        self.logger = logger
        self.credentialSealer = RowSealer(secret: secret, purpose: "provider-credentials")
    }

    /// Whether `code` could name a provider (2–40 characters of a–z, 0–9, _ and -). Every
    /// provider call asks it, so it reads bytes: a regex literal is parsed again at each use (it
    /// was a twentieth of the server's CPU under Hub88 load).
    public static func isValidCode(_ code: String) -> Bool {
        (2...40).contains(code.utf8.count)
            && code.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            }
    }

    struct Credentials: Codable {
        let providerPublicKey: String
        let operatorPrivateKey: String
    }

    public func add(
        code: String, name: String, dialect: String, apiURL: String, operatorID: Int64, providerKeyPEM: String, operatorKeyPEM: String,
        currencies: [String]
    ) async throws -> Provider {
        guard Self.isValidCode(code) else { throw ProviderDirectoryError.invalidCode }
        guard dialect == "hub88" else { throw ProviderDirectoryError.unsupportedDialect(dialect) }
        guard let url = URL(string: apiURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw ProviderDirectoryError.invalidURL
        }
        let keys = try ProviderKeys(providerPEM: providerKeyPEM, operatorPEM: operatorKeyPEM)
        let sealed = try credentialSealer.seal(
            try JSONEncoder().encode(Credentials(providerPublicKey: providerKeyPEM, operatorPrivateKey: operatorKeyPEM)), for: code)
        let provider = Provider(
            code: code, name: name, dialect: dialect, enabled: true, currencies: currencies,
            apiURL: apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL,
            operatorID: operatorID, providerKeyFingerprint: ProviderKeys.fingerprint(keys.provider),
            operatorKeyFingerprint: ProviderKeys.fingerprint(keys.operatorKey.publicKey))
        do {
            try await database.withConnection { connection in
                _ = try await connection.query(
                    """
                    INSERT INTO games_providers (code, name, dialect, currencies, api_url, operator_id, credentials, provider_key_fingerprint,
                                                 operator_key_fingerprint)
                    VALUES (\(code), \(name), \(dialect), \(currencies), \(provider.apiURL), \(operatorID), \(ByteBuffer(bytes: sealed)),
                            \(provider.providerKeyFingerprint), \(provider.operatorKeyFingerprint))
                    """, logger: logger
                ).collect()
            }
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw ProviderDirectoryError.codeTaken
        }
        return provider
    }

    public func list() async throws -> [Provider] { try await providers(code: nil) }

    public func provider(_ code: String) async throws -> Provider? { try await providers(code: code).first }

    private func providers(code: String?) async throws -> [Provider] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT code, name, dialect, enabled, currencies, api_url, operator_id, provider_key_fingerprint, operator_key_fingerprint
                  FROM games_providers WHERE \(code)::text IS NULL OR code = \(code) ORDER BY code
                """, logger: logger)
            var providers: [Provider] = []
            for try await (code, name, dialect, enabled, currencies, apiURL, operatorID, providerPrint, operatorPrint) in rows.decode(
                (String, String, String, Bool, [String], String, Int64, String, String).self)
            {
                providers.append(
                    Provider(
                        code: code, name: name, dialect: dialect, enabled: enabled, currencies: currencies, apiURL: apiURL,
                        operatorID: operatorID,
                        providerKeyFingerprint: providerPrint, operatorKeyFingerprint: operatorPrint))
            }
            return providers
        }
    }

    /// The provider's keys, unsealed: only the dialect that verifies and signs needs them.
    public func keys(of code: String) async throws -> ProviderKeys {
        let sealed: ByteBuffer? = try await database.withConnection { connection in
            let rows = try await connection.query("SELECT credentials FROM games_providers WHERE code = \(code)", logger: logger)
            for try await value in rows.decode(ByteBuffer.self) { return value }
            return nil
        }
        guard let sealed else { throw ProviderDirectoryError.notFound }
        let data = try credentialSealer.open(Array(buffer: sealed), for: code)
        let credentials = try JSONDecoder().decode(Credentials.self, from: data)
        return try ProviderKeys(providerPEM: credentials.providerPublicKey, operatorPEM: credentials.operatorPrivateKey)
    }

    public func update(_ code: String, name: String? = nil, enabled: Bool? = nil, apiURL: String? = nil, currencies: [String]? = nil)
        async throws
    {
        if let apiURL {
            guard let url = URL(string: apiURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ProviderDirectoryError.invalidURL
            }
        }
        let updated = try await database.withConnection { connection in
            try await connection.query(
                """
                UPDATE games_providers SET name = coalesce(\(name), name), enabled = coalesce(\(enabled), enabled),
                       api_url = coalesce(\(apiURL), api_url), currencies = coalesce(\(currencies), currencies), updated_at = now()
                 WHERE code = \(code) RETURNING 1
                """, logger: logger
            ).collect().count
        }
        guard updated == 1 else { throw ProviderDirectoryError.notFound }
    }

    // MARK: - Games

    /// Inserts new games and refreshes name, category and thumbnail of known ones. Staff choices
    /// (enabled, order) are kept; RTP and volatility are kept unless the caller brings its own.
    /// A new game, or a new name or category, is published as `croupier.games.game_changed`.
    @discardableResult
    public func upsert(_ games: [Game]) async throws -> Int {
        try await database.withTransaction(logger: logger) { connection in
            for game in games {
                let before = try await connection.query(
                    "SELECT name, category FROM games_catalog WHERE provider = \(game.provider) AND code = \(game.code) FOR UPDATE",
                    logger: logger
                ).collect().first.map { try $0.decode((String, String).self) }
                _ = try await connection.query(
                    """
                    INSERT INTO games_catalog (provider, code, name, category, rtp_basis_points, volatility, thumbnail_url, enabled, display_order)
                    VALUES (\(game.provider), \(game.code), \(game.name), \(game.category), \(game.rtpBasisPoints), \(game.volatility),
                            \(game.thumbnailURL), \(game.enabled), \(game.displayOrder))
                    ON CONFLICT (provider, code) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category,
                        thumbnail_url = EXCLUDED.thumbnail_url, rtp_basis_points = coalesce(EXCLUDED.rtp_basis_points, games_catalog.rtp_basis_points),
                        volatility = coalesce(EXCLUDED.volatility, games_catalog.volatility), updated_at = now()
                    """, logger: logger
                ).collect()
                if before.map({ $0 != (game.name, game.category) }) ?? true {
                    try await GameEvents.changed(game, on: connection, logger: logger)
                }
            }
            return games.count
        }
    }

    /// Games, optionally only the playable ones (game and provider enabled).
    public func games(provider: String? = nil, playableOnly: Bool = false) async throws -> [Game] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT g.provider, g.code, g.name, g.category, g.rtp_basis_points, g.volatility, g.thumbnail_url, g.enabled AND p.enabled, g.display_order
                  FROM games_catalog g JOIN games_providers p ON p.code = g.provider
                 WHERE (\(provider)::text IS NULL OR g.provider = \(provider)) AND (NOT \(playableOnly) OR (g.enabled AND p.enabled))
                 ORDER BY g.display_order, g.name, g.provider, g.code
                """, logger: logger)
            var games: [Game] = []
            for try await (provider, code, name, category, rtp, volatility, thumbnail, enabled, order) in rows.decode(
                (String, String, String, String, Int?, String?, String, Bool, Int).self)
            {
                games.append(
                    Game(
                        provider: provider, code: code, name: name, category: category, rtpBasisPoints: rtp, volatility: volatility,
                        thumbnailURL: thumbnail,
                        enabled: enabled, displayOrder: order))
            }
            return games
        }
    }

    public func game(provider: String, code: String) async throws -> Game? {
        try await games(provider: provider).first { $0.code == code }
    }

    public func setGame(provider: String, code: String, enabled: Bool? = nil, displayOrder: Int? = nil) async throws {
        let updated = try await database.withConnection { connection in
            try await connection.query(
                """
                UPDATE games_catalog SET enabled = coalesce(\(enabled), enabled), display_order = coalesce(\(displayOrder), display_order), updated_at = now()
                 WHERE provider = \(provider) AND code = \(code) RETURNING 1
                """, logger: logger
            ).collect().count
        }
        guard updated == 1 else { throw ProviderDirectoryError.notFound }
    }
}
