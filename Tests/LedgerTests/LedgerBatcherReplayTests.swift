import Core
import Persistence
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import Ledger

/// An exact replay in a batch is answered from its committed transaction (migration 0057), so it
/// never waits for its player's row.
@Suite struct LedgerBatcherReplayTests {
    @Test func anExactReplayIsAnsweredWhileItsPlayersRowIsHeld() async throws {
        try await LedgerHarness.with { harness in
            let database = harness.database
            try await BatchScenario.createHooks(on: database)
            try await LedgerBatcherLockOrderTests.fund(harness)
            let bet = try LedgerBatcherLockOrderTests.bet(of: 1, key: "bet-1")
            let first = try await harness.ledger.applyAlone(bet)
            let batcher = LedgerBatcher(ledger: harness.ledger, settings: LedgerBatchSettings())
            let finished = Finished()

            let (batch, waited) = try await database.withConnection { other in
                try await other.query("BEGIN", logger: TestServices.logger).collect()
                try await other.query(
                    "SELECT 1 FROM ledger_accounts WHERE player_id = 1 AND balance_kind = 'real' FOR UPDATE", logger: TestServices.logger
                ).collect()
                let batch = Task {
                    defer { finished.mark() }
                    return await batcher.apply([bet])
                }
                // Until the batch answers or waits for the row; the bound only catches a hang.
                var waited = false
                for _ in 0..<400 where !finished.isMarked {
                    waited = try await LedgerBatcherRecheckTests.rowWaiters(database) > 0
                    if waited { break }
                    try await Task.sleep(for: .milliseconds(25))
                }
                try await other.query("COMMIT", logger: TestServices.logger).collect()
                return (batch, waited)
            }
            #expect(!waited, "the replay waited for its player's row")
            let (answers, end) = await batch.value
            #expect(end == .committed)
            #expect(BatchScenario.describe(answers) == BatchScenario.describe([.success(first)]).map { $0 + " replayed" })
        }
    }

    private final class Finished: Sendable {
        private let marked = Atomic(false)
        var isMarked: Bool { marked.load(ordering: .acquiring) }
        func mark() { marked.store(true, ordering: .releasing) }
    }
}
