import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import App
@testable import Games

/// A bet's checks run in one statement (Ledger's migration 0060), so a STABLE check would read
/// the snapshot that statement took, from before any earlier check waited for a lock. Every check
/// a bet runs in production is VOLATILE, so that each reads what committed before it started
/// (docs/ledger.md, "Hooks").
@Suite struct WalletCheckVolatilityTests {
    @Test func everyBetCheckIsVolatile() async throws {
        try await TestDatabase.with { database in
            let dependencies = try AppDependencies(configuration: try testConfiguration(database: database), logger: TestServices.logger)
            let checks = (Hub88Wallet.betChecks + dependencies.walletHooks.betChecks).map(\.function)
            #expect(checks.count >= 4, "the session, the player's status, player protection and the bonus maximum bet")
            var volatility: [String: String] = [:]
            try await database.withConnection { connection in
                let rows = try await connection.query(
                    "SELECT proname::text, provolatile::text FROM pg_proc WHERE proname = ANY(\(checks))", logger: TestServices.logger)
                for try await (name, kind) in rows.decode((String, String).self) { volatility[name] = kind }
            }
            for check in checks { #expect(volatility[check] == "v", "\(check) is \(volatility[check] ?? "missing")") }
        }
    }
}
