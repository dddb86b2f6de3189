import Core
import Foundation
import Persistence
import TestSupport
import Testing

@testable import Games

@Suite struct OriginalsNonceTests {
    /// Many rounds of one player at once: each must get its own nonce, none skipped.
    @Test func concurrentPlaysTakeEveryNonceOnceInOrder() async throws {
        try await TestDatabase.with { database in
            let providers = ProviderDirectory(database: database, secret: .random(), logger: TestServices.logger)
            let wallet = ScriptedWallet()
            wallet.winAnswer.withLock { $0 = "RS_OK" }
            let originals = try await OriginalsProvider.setUp(
                providers: providers, database: database, secret: .random(), publicURL: "http://casino.test",
                walletURL: "http://unused.test", logger: TestServices.logger, transport: wallet.transport)
            let session = try await OriginalsSettlementTests().launch(originals, providers)
            let plays = 24
            let statuses = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<plays {
                    group.addTask {
                        try await originals.play(session: session, bet: "1.00", choice: .dice(target: 5000, direction: .under)).status
                    }
                }
                var statuses: [String] = []
                for try await status in group { statuses.append(status) }
                return statuses
            }
            #expect(statuses == Array(repeating: "ok", count: plays))
            let nonces: [Int64] = try await database.withConnection { connection in
                let rows = try await connection.query("SELECT nonce FROM originals_rounds ORDER BY nonce", logger: TestServices.logger)
                var nonces: [Int64] = []
                for try await nonce in rows.decode(Int64.self) { nonces.append(nonce) }
                return nonces
            }
            // Nonces count from 0 within a seed pair (docs/games/originals.md).
            #expect(nonces == Array(0..<Int64(plays)))
        }
    }
}
