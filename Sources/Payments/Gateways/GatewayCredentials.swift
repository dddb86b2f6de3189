import Core
import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A gateway's stored credentials as staff and the CLI see them: never the values, only their
/// fingerprints.
public struct GatewayRecord: Sendable, Equatable {
    public let gateway: String
    public let apiURL: String
    public let apiKeyFingerprint: String
    public let secretFingerprint: String
    public let enabled: Bool
    public let updatedAt: Date
}

public enum GatewayCredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownGateway(String)
    case invalidURL
    /// In production a stored gateway talks only to the gateway's own API.
    case unofficialURL(String)
    case emptySecret
    case notFound

    public var description: String {
        switch self {
        case .unknownGateway(let code):
            "no gateway \(code.debugDescription) takes credentials; known: \(GatewayCredentials.gateways.joined(separator: ", "))"
        case .invalidURL: "the API URL must be an absolute http(s) URL"
        case .unofficialURL(let official): "in production the API URL must be the gateway's own, \(official)"
        case .emptySecret: "both the API key and the webhook secret are needed"
        case .notFound: "no credentials are stored for this gateway"
        }
    }
}

/// Gateways' credentials sealed in PostgreSQL, like providers' keys (`RowSealer`, bound to the
/// gateway's code): a database dump alone cannot take or sign a payment, and credentials copied
/// onto another gateway's row do not open there.
public struct GatewayCredentials: Sendable {
    /// The gateways whose credentials are kept here (the sandbox has none).
    public static let gateways = ["nowpayments", "stripe"]

    let database: Database
    let sealer: RowSealer
    let logger: Logger
    /// Production: the API base must be the gateway's public one, so that whoever may store
    /// credentials cannot point a gateway at a server of their own (which would then confirm
    /// payments that never happened) or send its key over plain HTTP.
    let officialURLsOnly: Bool

    public static let officialURLs = ["stripe": StripeSettings.apiURL, "nowpayments": NOWPaymentsSettings.apiURL]

    public init(database: Database, secret: SecretKey, logger: Logger, officialURLsOnly: Bool = false) {
        self.database = database
        self.sealer = RowSealer(secret: secret, purpose: "gateway-credentials")
        self.logger = logger
        self.officialURLsOnly = officialURLsOnly
    }

    struct Sealed: Codable {
        let apiKey: String
        let webhookSecret: String
    }

    /// A secret's fingerprint: enough to tell two apart, nothing to recover either from.
    public static func fingerprint(_ secret: String) -> String {
        "sha256:" + SHA256.hash(data: Data(secret.utf8)).prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    /// Stores (or replaces) a gateway's credentials, enabled.
    public func set(gateway: String, apiURL: String, apiKey: String, webhookSecret: String) async throws -> GatewayRecord {
        guard Self.gateways.contains(gateway) else { throw GatewayCredentialsError.unknownGateway(gateway) }
        guard let url = URL(string: apiURL), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
            throw GatewayCredentialsError.invalidURL
        }
        guard !apiKey.isEmpty, !webhookSecret.isEmpty else { throw GatewayCredentialsError.emptySecret }
        let base = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        if officialURLsOnly, let official = Self.officialURLs[gateway], base != official {
            throw GatewayCredentialsError.unofficialURL(official)
        }
        let sealed = try sealer.seal(try JSONEncoder().encode(Sealed(apiKey: apiKey, webhookSecret: webhookSecret)), for: gateway)
        let rows = try await list(
            """
            INSERT INTO payments_gateway_credentials (gateway, api_url, credentials, api_key_fingerprint, secret_fingerprint)
            VALUES (\(gateway), \(base), \(ByteBuffer(bytes: sealed)), \(Self.fingerprint(apiKey)), \(Self.fingerprint(webhookSecret)))
            ON CONFLICT (gateway) DO UPDATE
               SET api_url = EXCLUDED.api_url, credentials = EXCLUDED.credentials, api_key_fingerprint = EXCLUDED.api_key_fingerprint,
                   secret_fingerprint = EXCLUDED.secret_fingerprint, enabled = true, updated_at = now()
            RETURNING \(unescaped: Self.columns)
            """)
        guard let record = rows.first else { throw GatewayCredentialsError.notFound }
        return record
    }

    public func setEnabled(_ gateway: String, _ enabled: Bool) async throws -> GatewayRecord {
        let rows = try await list(
            """
            UPDATE payments_gateway_credentials SET enabled = \(enabled), updated_at = now() WHERE gateway = \(gateway)
            RETURNING \(unescaped: Self.columns)
            """)
        guard let record = rows.first else { throw GatewayCredentialsError.notFound }
        return record
    }

    public func records() async throws -> [GatewayRecord] {
        try await list("SELECT \(unescaped: Self.columns) FROM payments_gateway_credentials ORDER BY gateway")
    }

    /// Every stored gateway's settings, unsealed, and whether it is enabled. A row that does not
    /// open (sealed under another CROUPIER_SECRET_KEY, copied from another row, altered) is left
    /// out and logged: the other gateways keep working, and staff can store it again.
    func stored() async throws -> [(gateway: String, apiURL: String, apiKey: String, webhookSecret: String, enabled: Bool)] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT gateway, api_url, credentials, enabled FROM payments_gateway_credentials ORDER BY gateway", logger: logger)
            var stored: [(gateway: String, apiURL: String, apiKey: String, webhookSecret: String, enabled: Bool)] = []
            for try await (gateway, apiURL, sealed, enabled) in rows.decode((String, String, ByteBuffer, Bool).self) {
                do {
                    let opened = try JSONDecoder().decode(Sealed.self, from: try sealer.open(Array(buffer: sealed), for: gateway))
                    stored.append((gateway, apiURL, opened.apiKey, opened.webhookSecret, enabled))
                } catch {
                    logger.error("a gateway's stored credentials do not open", metadata: ["gateway": "\(gateway)", "reason": "\(error)"])
                }
            }
            return stored
        }
    }

    /// A constant of this file, never input: the only text `unescaped:` puts into these queries.
    static let columns = "gateway, api_url, api_key_fingerprint, secret_fingerprint, enabled, updated_at"

    private func list(_ query: PostgresQuery) async throws -> [GatewayRecord] {
        try await database.withConnection { connection in
            var records: [GatewayRecord] = []
            for try await (gateway, url, key, secret, enabled, updated) in try await connection.query(query, logger: logger).decode(
                (String, String, String, String, Bool, Date).self)
            {
                records.append(
                    GatewayRecord(
                        gateway: gateway, apiURL: url, apiKeyFingerprint: key, secretFingerprint: secret, enabled: enabled,
                        updatedAt: updated))
            }
            return records
        }
    }
}
