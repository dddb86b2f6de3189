import CryptoExtras
import Foundation
import Ledger
import Persistence
import TestSupport
import Testing

@testable import Games

@Suite struct ProviderRegistryTests {
    static func addProvider(_ code: String, to directory: ProviderDirectory) async throws {
        _ = try await directory.add(
            code: code, name: "Acme", dialect: "hub88", apiURL: "https://acme.example", operatorID: 1,
            providerKeyPEM: try _RSA.Signing.PrivateKey(keySize: .bits2048).publicKey.pemRepresentation,
            operatorKeyPEM: try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation, currencies: ["EUR"])
    }

    /// A staff rename is the probe: a cached entry still shows the old name, a fetched one the new.
    @Test func aFloodOfUnknownCodesNeverEvictsARealProvider() async throws {
        try await TestDatabase.with { database in
            let directory = ProviderDirectory(database: database, secret: .random(), logger: TestServices.logger)
            let registry = ProviderRegistry(directory: directory, ledger: Ledger(database: database, logger: TestServices.logger))
            try await Self.addProvider("acme", to: directory)
            let now = Date()
            #expect(try await registry.entry("acme", now: now)?.provider.name == "Acme")
            for index in 0...1000 {
                #expect(try await registry.entry("junk-\(index)", now: now) == nil)
            }
            try await directory.update("acme", name: "Renamed")
            #expect(try await registry.entry("acme", now: now)?.provider.name == "Acme", "served from the cache within its lifetime")
        }
    }
}

extension ProviderRegistryTests {
    /// Creating a provider after its code was looked up is the probe: a remembered code still
    /// answers nil without a query, a forgotten one is fetched and found.
    @Test func unknownCodesAreRememberedUpToTheirLimitOldestForgottenFirst() async throws {
        try await TestDatabase.with { database in
            let directory = ProviderDirectory(database: database, secret: .random(), logger: TestServices.logger)
            let registry = ProviderRegistry(
                directory: directory, ledger: Ledger(database: database, logger: TestServices.logger), unknownCodesLimit: 2)
            let now = Date()
            for code in ["first", "second", "third"] {
                #expect(try await registry.entry(code, now: now) == nil)
            }
            for code in ["first", "third"] {
                try await Self.addProvider(code, to: directory)
            }
            #expect(try await registry.entry("third", now: now) == nil, "remembered: no query within the lifetime")
            #expect(try await registry.entry("first", now: now)?.provider.code == "first", "forgotten as the oldest, so fetched again")
            #expect(try await registry.entry("third", now: now.addingTimeInterval(5)) != nil, "looked up again after the lifetime")
        }
    }

    @Test func aCodeNoProviderCanHaveIsRefusedWithoutAQuery() async throws {
        try await TestDatabase.with { database in
            let directory = ProviderDirectory(database: database, secret: .random(), logger: TestServices.logger)
            let registry = ProviderRegistry(directory: directory, ledger: Ledger(database: database, logger: TestServices.logger))
            try await database.withConnection { connection in
                try await connection.query("ALTER TABLE games_providers RENAME TO games_providers_elsewhere", logger: TestServices.logger)
                    .collect()
            }
            for code in ["", "x", "UPPER", "a/b", String(repeating: "a", count: 41), "../etc"] {
                #expect(try await registry.entry(code) == nil, "\(code)")
            }
        }
    }
}

extension ProviderRegistryTests {
    /// The byte check of a provider code accepts exactly what `[a-z0-9_-]{2,40}` matches.
    @Test(arguments: [
        ("ab", true), ("hub88", true), ("a_b-c", true), (String(repeating: "z", count: 40), true), ("0-_9", true),
        ("a", false), ("", false), (String(repeating: "z", count: 41), false), ("Hub88", false), ("hub 88", false),
        ("hüb88", false), ("e\u{301}e", false), ("hub88\n", false), ("a.b", false), ("'; DROP", false),
    ])
    func aProviderCodeIsTwoToFortyOfLowerCaseLettersDigitsUnderscoresAndHyphens(code: String, valid: Bool) {
        #expect(ProviderDirectory.isValidCode(code) == valid)
        #expect((code.wholeMatch(of: /[a-z0-9_-]{2,40}/) != nil) == valid, "the pattern it replaces agrees")
    }
}
