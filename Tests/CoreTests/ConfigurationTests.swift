import Foundation
import Testing

@testable import Core

@Suite struct ConfigurationTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("croupier-config-\(UUID().uuidString)").path

    @Test func developmentGeneratesTheSecretOnceAndReusesIt() throws {
        let (first, firstNotices) = try Configuration.load(environment: ["CROUPIER_DATA_DIR": directory])
        let (second, secondNotices) = try Configuration.load(environment: ["CROUPIER_DATA_DIR": directory])
        #expect(firstNotices.first?.message.contains("generated CROUPIER_SECRET_KEY") == true)
        #expect(secondNotices.first?.message.contains("using CROUPIER_SECRET_KEY") == true)
        #expect(first.secretKey.derive("x") == second.secretKey.derive("x"))
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/secret_key")
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test(arguments: ["0.0.0.0", "192.0.2.10", "::", "example.com"])
    func developmentIsNeverTheSilentDefaultOffLoopback(host: String) {
        #expect(throws: ConfigurationError.implicitDevelopmentOffLoopback(host: host)) {
            try Configuration.load(environment: ["CROUPIER_HTTP_HOST": host, "CROUPIER_DATA_DIR": directory])
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/secret_key"), "nothing was generated")
    }

    @Test(arguments: ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"])
    func anUnsetEnvironmentOnLoopbackIsDevelopmentAndSaysSo(host: String) throws {
        let (configuration, notices) = try Configuration.load(environment: ["CROUPIER_HTTP_HOST": host, "CROUPIER_DATA_DIR": directory])
        #expect(configuration.environment == .development)
        #expect(notices.contains { $0.message.contains("CROUPIER_ENV is not set") })
    }

    @Test func theStreamReplicaCountIsReadAndBounded() throws {
        let environment = ["CROUPIER_DATA_DIR": directory, "CROUPIER_NATS_STREAM_REPLICAS": "3"]
        #expect(try Configuration.load(environment: environment).0.natsStreamReplicas == 3)
        #expect(try Configuration.load(environment: ["CROUPIER_DATA_DIR": directory]).0.natsStreamReplicas == 1)
        #expect(throws: ConfigurationError.self) {
            try Configuration.load(environment: ["CROUPIER_DATA_DIR": directory, "CROUPIER_NATS_STREAM_REPLICAS": "7"])
        }
    }

    @Test func stripeIsConfiguredByBothSecretsOrNeitherAndNeverEchoesOne() throws {
        let base = ["CROUPIER_DATA_DIR": directory]
        #expect(try Configuration.load(environment: base).0.stripe == nil)
        let both = base.merging([
            "CROUPIER_STRIPE_API_KEY": "sk_test_1", "CROUPIER_STRIPE_WEBHOOK_SECRET": "whsec_1",
            "CROUPIER_STRIPE_API_URL": "http://127.0.0.1:9/",
        ]) { $1 }
        #expect(
            try Configuration.load(environment: both).0.stripe
                == StripeSettings(apiURL: "http://127.0.0.1:9", apiKey: "sk_test_1", webhookSecret: "whsec_1"))
        do {
            _ = try Configuration.load(environment: base.merging(["CROUPIER_STRIPE_API_KEY": "sk_live_secret"]) { $1 })
            Issue.record("a key without its webhook secret was accepted")
        } catch let error as ConfigurationError {
            #expect(String(describing: error).contains("CROUPIER_STRIPE_WEBHOOK_SECRET"))
            #expect(!String(describing: error).contains("sk_live_secret"))
        }
    }

    @Test func nowPaymentsPayoutsNeedTheirThreeSettingsAndNeverEchoOne() throws {
        let base = ["CROUPIER_DATA_DIR": directory]
        #expect(try Configuration.load(environment: base).0.nowPaymentsPayouts == nil)
        let all = base.merging([
            "CROUPIER_NOWPAYMENTS_EMAIL": "payouts@casino.test", "CROUPIER_NOWPAYMENTS_PASSWORD": "pw-secret",
            "CROUPIER_NOWPAYMENTS_2FA_SECRET": "gezd gnbv gy3t qojq gezd gnbv gy3t qojq",
        ]) { $1 }
        #expect(
            try Configuration.load(environment: all).0.nowPaymentsPayouts
                == NOWPaymentsPayoutSettings(
                    email: "payouts@casino.test", password: "pw-secret", twoFactorKey: Array("12345678901234567890".utf8)))
        for missing in ["CROUPIER_NOWPAYMENTS_EMAIL", "CROUPIER_NOWPAYMENTS_PASSWORD", "CROUPIER_NOWPAYMENTS_2FA_SECRET"] {
            do {
                _ = try Configuration.load(environment: all.filter { $0.key != missing })
                Issue.record("payouts without \(missing) were accepted")
            } catch let error as ConfigurationError {
                guard case .invalidValue(let key, _, _) = error else { throw error }
                #expect(key == missing)
                #expect(!String(describing: error).contains("pw-secret") && !String(describing: error).contains("gezd"))
            }
        }
        do {
            _ = try Configuration.load(environment: all.merging(["CROUPIER_NOWPAYMENTS_2FA_SECRET": "not base32!"]) { $1 })
            Issue.record("a 2FA secret that is not base32 was accepted")
        } catch let error as ConfigurationError {
            #expect(String(describing: error).contains("CROUPIER_NOWPAYMENTS_2FA_SECRET"))
            #expect(!String(describing: error).contains("not base32!"))
        }
    }

    @Test func base32ReadsSecretsAsPeopleCopyThem() {
        #expect(Base32.decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") == Array("12345678901234567890".utf8))
        #expect(Base32.decode("mzxw6===") == Array("foo".utf8))
        #expect(Base32.decode("MZXW6YTBOI======") == Array("foobar".utf8))
        #expect(Base32.decode("") == nil)
        #expect(Base32.decode("MZXW1") == nil, "1 is not in the alphabet")
    }

    @Test func developmentAskedForByNameMayListenAnywhere() throws {
        let (configuration, notices) = try Configuration.load(
            environment: ["CROUPIER_ENV": "development", "CROUPIER_HTTP_HOST": "0.0.0.0", "CROUPIER_DATA_DIR": directory])
        #expect(configuration.environment == .development)
        #expect(!notices.contains { $0.message.contains("CROUPIER_ENV is not set") })
    }

    @Test func productionWithoutASecretStopsNamingTheKey() {
        #expect(throws: ConfigurationError.missingSecret(key: "CROUPIER_SECRET_KEY")) {
            try Configuration.load(environment: ["CROUPIER_ENV": "production", "CROUPIER_DATA_DIR": directory])
        }
        #expect(!FileManager.default.fileExists(atPath: directory + "/secret_key"))
    }

    @Test func defaultsMatchTheDocumentedOnes() throws {
        let (configuration, _) = try Configuration.load(environment: ["CROUPIER_SECRET_KEY": String(repeating: "ab", count: 32)])
        #expect(configuration.environment == .development)
        #expect(configuration.httpHost == "127.0.0.1")
        #expect(configuration.httpPort == 8080)
        #expect(configuration.publicURL == "http://127.0.0.1:8080")
        #expect(configuration.migrateOnStart == false)
        #expect(configuration.maxBodyBytes == 1_048_576)
        #expect(configuration.telegram.oidcIssuer == "https://oauth.telegram.org")
        #expect(!configuration.telegram.oidcConfigured)
        #expect(configuration.trustedProxies == .none)
        #expect(configuration.staffBcryptCost == 12)
    }

    @Test(arguments: [
        ("CROUPIER_HTTP_PORT", "eighty"), ("CROUPIER_HTTP_PORT", "70000"), ("CROUPIER_ENV", "staging"),
        ("CROUPIER_MIGRATE_ON_START", "maybe"), ("CROUPIER_SECRET_KEY", "short"),
        ("CROUPIER_TELEGRAM_OIDC_ISSUER", "oauth.telegram.org"), ("CROUPIER_TELEGRAM_OIDC_ISSUER", "https://issuer.example/?x=1"),
        ("CROUPIER_TRUSTED_PROXIES", "10.0.0.0/33"), ("CROUPIER_TRUSTED_PROXIES", "lb.internal"),
        ("CROUPIER_STAFF_BCRYPT_COST", "4"), ("CROUPIER_STAFF_BCRYPT_COST", "twelve"),
        ("CROUPIER_TELEGRAM_PUBLIC_KEY", "e7bf03a2"), ("CROUPIER_TELEGRAM_PUBLIC_KEY", String(repeating: "g", count: 64)),
    ])
    func invalidValuesAreRefusedByName(key: String, value: String) {
        do {
            _ = try Configuration.load(environment: [key: value, "CROUPIER_DATA_DIR": directory])
            Issue.record("\(key)=\(value) was accepted")
        } catch let error as ConfigurationError {
            guard case .invalidValue(let named, _, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(named == key)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func theEnvironmentOverridesTheConfigFile() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/croupier.env"
        try """
        # comment
        export CROUPIER_HTTP_PORT=9000
        CROUPIER_PUBLIC_URL="https://casino.example"
        CROUPIER_ENV=test
        CROUPIER_SECRET_KEY=\(String(repeating: "0f", count: 32))
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let (configuration, _) = try Configuration.load(environment: ["CROUPIER_CONFIG_FILE": file, "CROUPIER_HTTP_PORT": "9100"])
        #expect(configuration.httpPort == 9100)
        #expect(configuration.publicURL == "https://casino.example")
        #expect(configuration.environment == .test)
    }

    @Test func aMalformedConfigFileLineIsNamed() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/bad.env"
        try "CROUPIER_ENV=test\nthis is not a setting\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigurationError.malformedFileLine(path: file, line: 2)) {
            try Configuration.load(environment: ["CROUPIER_CONFIG_FILE": file])
        }
    }

    @Test func theSecretNeverShowsInItsDescription() throws {
        let hex = String(repeating: "7e", count: 32)
        let key = try #require(SecretKey(hex: hex))
        #expect(!"\(key)".contains("7e7e"))
        #expect(!String(reflecting: key).contains("7e7e"))
    }
}
