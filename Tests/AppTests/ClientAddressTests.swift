import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Persistence
import TestSupport
import Testing

@testable import App

/// The client address behind a trusted proxy: what rate limits count and audit rows record.
/// The test client connects from 127.0.0.1, so that is the proxy to trust or not.
@Suite struct ClientAddressTests {
    /// The test configuration, with `CROUPIER_TRUSTED_PROXIES` read as the operator sets it.
    static func configuration(database: Database, trustedProxies: String) throws -> Configuration {
        let base = try testConfiguration(database: database)
        var (loaded, _) = try Configuration.load(environment: [
            "CROUPIER_ENV": "test", "CROUPIER_SECRET_KEY": String(repeating: "5a", count: 32), "CROUPIER_TRUSTED_PROXIES": trustedProxies,
        ])
        (loaded.httpHost, loaded.httpPort, loaded.publicURL, loaded.publicDirectory) = (
            base.httpHost, base.httpPort, base.publicURL, base.publicDirectory
        )
        (loaded.databaseURL, loaded.databasePoolSize, loaded.natsURL, loaded.clickHouseURL) =
            (base.databaseURL, base.databasePoolSize, base.natsURL, base.clickHouseURL)
        loaded.telegram = base.telegram
        return loaded
    }

    /// Sends a failing code attempt with `forwardedFor` and returns the address its audit row and
    /// its rate-limit bucket name.
    static func recordedAddress(forwardedFor: String, trustedProxies: String) async throws -> (audit: String?, bucket: String?) {
        try await TestDatabase.with { database in
            let dependencies = try AppDependencies(
                configuration: try configuration(database: database, trustedProxies: trustedProxies), logger: TestServices.logger)
            let app = try await buildApplication(dependencies: dependencies, logger: TestServices.logger)
            try await app.test(.live) { client in
                let response = try await client.execute(
                    uri: "/api/v1/auth/code", method: .post,
                    headers: [.contentType: "application/json", HTTPField.Name("X-Forwarded-For")!: forwardedFor],
                    body: ByteBuffer(string: #"{"challenge": "unknown", "code": "000000"}"#))
                #expect(response.status == .unauthorized)
            }
            return try await database.withConnection { connection in
                let audit = try await connection.query(
                    "SELECT ip FROM identity_audit_log WHERE action = 'player.login_failed'", logger: TestServices.logger
                ).collect().first?.decode(String.self)
                let bucket = try await connection.query(
                    "SELECT bucket FROM identity_rate_limits WHERE bucket LIKE 'ip:%'", logger: TestServices.logger
                ).collect().first?.decode(String.self)
                return (audit, bucket)
            }
        }
    }

    @Test(arguments: [
        ("198.51.100.7", "198.51.100.7"),
        ("203.0.113.66, 198.51.100.7", "198.51.100.7"),
        ("198.51.100.7, 127.0.0.1", "198.51.100.7"),
        ("2001:db8::7", "2001:db8::7"),
    ])
    func behindATrustedProxyTheForwardedClientCounts(forwardedFor: String, client: String) async throws {
        let recorded = try await Self.recordedAddress(forwardedFor: forwardedFor, trustedProxies: "127.0.0.0/8, ::1")
        #expect(recorded.audit == client)
        #expect(recorded.bucket == "ip:\(client)")
    }

    @Test func anUntrustedPeerCannotNameItsOwnAddress() async throws {
        let recorded = try await Self.recordedAddress(forwardedFor: "198.51.100.7", trustedProxies: "")
        #expect(recorded.audit == "127.0.0.1")
        #expect(recorded.bucket == "ip:127.0.0.1")
    }
}
