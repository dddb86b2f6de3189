import AsyncHTTPClient
import Core
import Crypto
import CryptoExtras
import Foundation
import Logging
import NIOCore
import Persistence
import PostgresNIO
import Synchronization

/// Setting Originals up: its two RSA key pairs, sealed in `originals_settings`, and its
/// registration as a Hub88 provider with its games.
extension OriginalsProvider {
    struct Keys: Sendable {
        let provider: _RSA.Signing.PrivateKey
        let operatorKey: _RSA.Signing.PublicKey
    }

    /// Keys this process generated, reused by any later set-up in it. A server sets Originals up
    /// once; a test process sets up an application per test, and forty RSA-2048 generations on
    /// two loaded cores queued every staff sign-in behind them for longer than a client waits.
    private static let generated = Mutex<SealedKeys?>(nil)

    /// RSA key generation keeps a core busy long enough to stall every task queued behind it, so
    /// it runs on `CPUBoundWork`, not on a concurrency thread.
    static func generatedKeys() async throws -> SealedKeys {
        if let keys = generated.withLock({ $0 }) { return keys }
        let made = try await CPUBoundWork.run {
            SealedKeys(
                providerPrivateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation,
                operatorPrivateKey: try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation)
        }
        return generated.withLock { keys in
            if let first = keys { return first }
            keys = made
            return made
        }
    }

    /// Both key pairs' private halves (the public halves derive from them), sealed in
    /// `originals_settings`, so the provider registration can always be made again from them.
    struct SealedKeys: Codable {
        let providerPrivateKey: String
        let operatorPrivateKey: String
    }

    /// Registers Originals as a provider the first time (two fresh RSA key pairs: its own and the
    /// operator's for it), refreshes its games, and returns the provider ready to serve.
    public static func setUp(
        providers: ProviderDirectory, database: Database, secret: SecretKey, publicURL: String, walletURL: String, logger: Logger,
        client: HTTPClient = .shared, transport: WalletTransport? = nil
    ) async throws -> OriginalsProvider {
        let sealer = RowSealer(secret: secret, purpose: "originals-credentials")
        let store = OriginalsStore(database: database, logger: logger)
        func storedKeys() async throws -> ByteBuffer? {
            try await database.withConnection { connection in
                for try await value in try await connection.query("SELECT credentials FROM originals_settings WHERE id = 1", logger: logger)
                    .decode(ByteBuffer.self)
                {
                    return value
                }
                return nil
            }
        }
        var stored = try await storedKeys()
        if stored == nil {
            // The first copy of the server to get here makes the keys; any other reads them.
            let candidate = try await generatedKeys()
            let box = ByteBuffer(bytes: try sealer.seal(try JSONEncoder().encode(candidate), for: "settings"))
            try await database.withConnection { connection in
                _ = try await connection.query(
                    "INSERT INTO originals_settings (id, credentials) VALUES (1, \(box)) ON CONFLICT DO NOTHING", logger: logger
                ).collect()
            }
            stored = try await storedKeys()
        }
        guard let stored else { throw OriginalsError.notConfigured }
        let sealed = try JSONDecoder().decode(
            SealedKeys.self, from: sealer.open(Array(buffer: stored), for: "settings"))
        let providerKey = try _RSA.Signing.PrivateKey(pemRepresentation: sealed.providerPrivateKey)
        let operatorKey = try _RSA.Signing.PrivateKey(pemRepresentation: sealed.operatorPrivateKey)
        if try await providers.provider(code) == nil {
            do {
                _ = try await providers.add(
                    code: code, name: "Croupier Originals", dialect: "hub88", apiURL: publicURL + "/originals", operatorID: 1,
                    providerKeyPEM: providerKey.publicKey.pemRepresentation, operatorKeyPEM: operatorKey.pemRepresentation, currencies: [])
                logger.notice("Croupier Originals registered as provider \(code)")
            } catch ProviderDirectoryError.codeTaken {
                // Another copy registered it at the same moment, from the same keys.
            }
        }
        try await providers.update(code, apiURL: publicURL + "/originals")
        try await providers.upsert(
            games.enumerated().map { index, game in
                Game(
                    provider: code, code: game.code, name: game.name, category: "originals", rtpBasisPoints: game.rtpBasisPoints,
                    volatility: game.volatility,
                    thumbnailURL: "\(publicURL)/img/originals/\(game.code).svg", displayOrder: index)
            })
        let keys = Keys(provider: providerKey, operatorKey: operatorKey.publicKey)
        return OriginalsProvider(
            store: store, keys: keys, publicURL: publicURL, logger: logger,
            transport: transport ?? .http(walletURL: walletURL, client: client))
    }
}
