import Core
import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import Games

@Suite struct ProviderCredentialsSealTests {
    /// Someone who can write the database copies one provider's sealed keys onto another's row:
    /// the copy must not open, or wallet calls would be verified with the wrong provider's key.
    @Test func credentialsCopiedOntoAnotherProviderDoNotOpen() async throws {
        try await TestDatabase.with { database in
            let directory = ProviderDirectory(database: database, secret: .random(), logger: TestServices.logger)
            try await ProviderRegistryTests.addProvider("acme", to: directory)
            try await ProviderRegistryTests.addProvider("other", to: directory)
            _ = try await directory.keys(of: "other")
            try await database.withConnection { connection in
                try await connection.query(
                    "UPDATE games_providers SET credentials = (SELECT credentials FROM games_providers WHERE code = 'acme') WHERE code = 'other'",
                    logger: TestServices.logger
                ).collect()
            }
            _ = try await directory.keys(of: "acme")
            await #expect(throws: RowSealer.Unopenable(purpose: "provider-credentials", row: "other")) {
                try await directory.keys(of: "other")
            }
        }
    }
}
