import Core
import Foundation
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Payments

/// Gateways' credentials sealed in PostgreSQL (docs/payments.md, "Gateway credentials").
@Suite struct GatewayCredentialsTests {
    static let secret = SecretKey(hex: String(repeating: "5a", count: 32))!

    @Test func credentialsAreSealedShownByFingerprintAndOpenOnlyForTheirOwnGateway() async throws {
        try await TestDatabase.with { database in
            let store = GatewayCredentials(database: database, secret: Self.secret, logger: TestServices.logger)
            let record = try await store.set(
                gateway: "stripe", apiURL: "https://stripe.test/", apiKey: "sk_test_123", webhookSecret: "whsec_456")
            #expect(record.apiURL == "https://stripe.test" && record.enabled)
            #expect(record.apiKeyFingerprint == GatewayCredentials.fingerprint("sk_test_123"))
            #expect(record.apiKeyFingerprint.wholeMatch(of: /sha256:[0-9a-f]{12}/) != nil)
            let raw = try await database.withConnection { connection in
                var bytes: [UInt8] = []
                for try await sealed in try await connection.query(
                    "SELECT credentials FROM payments_gateway_credentials", logger: TestServices.logger
                ).decode(ByteBuffer.self) { bytes = Array(buffer: sealed) }
                return bytes
            }
            #expect(!String(decoding: raw, as: UTF8.self).contains("sk_test_123"), "the key is sealed, not stored")
            #expect(try await store.stored().first?.apiKey == "sk_test_123")

            // The sealed value moved onto another gateway's row does not open there.
            _ = try await store.set(gateway: "nowpayments", apiURL: "https://np.test", apiKey: "np-key", webhookSecret: "np-ipn")
            try await database.withConnection { connection in
                _ = try await connection.query(
                    """
                    UPDATE payments_gateway_credentials SET credentials = (SELECT credentials FROM payments_gateway_credentials
                                                                            WHERE gateway = 'stripe')
                     WHERE gateway = 'nowpayments'
                    """, logger: TestServices.logger)
            }
            let opened = try await store.stored()
            #expect(opened.map(\.gateway) == ["stripe"], "the row that does not open is left out; the others still work")
        }
    }

    @Test func badCredentialsAreRefusedByName() async throws {
        try await TestDatabase.with { database in
            let store = GatewayCredentials(database: database, secret: Self.secret, logger: TestServices.logger)
            await #expect(throws: GatewayCredentialsError.unknownGateway("sandbox")) {
                try await store.set(gateway: "sandbox", apiURL: "https://x.test", apiKey: "k", webhookSecret: "s")
            }
            await #expect(throws: GatewayCredentialsError.invalidURL) {
                try await store.set(gateway: "stripe", apiURL: "ftp://x.test", apiKey: "k", webhookSecret: "s")
            }
            let production = GatewayCredentials(
                database: database, secret: Self.secret, logger: TestServices.logger, officialURLsOnly: true)
            await #expect(throws: GatewayCredentialsError.unofficialURL("https://api.stripe.com")) {
                try await production.set(gateway: "stripe", apiURL: "https://evil.test", apiKey: "k", webhookSecret: "s")
            }
            await #expect(throws: GatewayCredentialsError.emptySecret) {
                try await store.set(gateway: "stripe", apiURL: "https://x.test", apiKey: "k", webhookSecret: "")
            }
            await #expect(throws: GatewayCredentialsError.notFound) { try await store.setEnabled("stripe", true) }
            let records = try await store.records()
            #expect(records.isEmpty)
        }
    }

    @Test func aStoredGatewayOverridesTheConfigurationAndSwitchedOffTakesNothingNewButStillSettles() async throws {
        try await TestDatabase.with { database in
            let store = GatewayCredentials(database: database, secret: Self.secret, logger: TestServices.logger)
            let configured = StripeGateway(
                settings: StripeSettings(apiURL: "https://configured.test", apiKey: "sk_a", webhookSecret: "whsec_a"))
            let gateways = PaymentGateways(
                [configured],
                stored: StoredGateways(credentials: store, lifetime: 0) { gateway, apiURL, apiKey, secret in
                    gateway == "stripe"
                        ? StripeGateway(settings: StripeSettings(apiURL: apiURL, apiKey: apiKey, webhookSecret: secret)) : nil
                })
            #expect((try await gateways.active("stripe") as? StripeGateway)?.settings.apiURL == "https://configured.test")

            _ = try await store.set(gateway: "stripe", apiURL: "https://stored.test", apiKey: "sk_b", webhookSecret: "whsec_b")
            #expect((try await gateways.active("stripe") as? StripeGateway)?.settings.apiURL == "https://stored.test")
            #expect(try await gateways.overview().first?.source == .stored)

            _ = try await store.setEnabled("stripe", false)
            #expect(try await gateways.active("stripe") == nil, "no new deposits or withdrawals")
            #expect(try await gateways.active().isEmpty)
            let settling = try #require(try await gateways.gateway("stripe") as? StripeGateway)
            #expect(settling.settings.webhookSecret == "whsec_b", "webhooks under way still verify with the stored secret")
        }
    }
}
