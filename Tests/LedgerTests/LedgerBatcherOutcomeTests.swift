import Core
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// A batch is one `CALL` that commits before it answers (migration 0056): cut off once sent, its
/// outcome is unknown to the batcher, which answers every call with the error; the retry then
/// applies what did not commit, once.
@Suite struct LedgerBatcherOutcomeTests {
    @Test func aBatchWhoseBackendIsTerminatedBeforeItsCommitAnswersErrorsAndItsRetryAppliesOnce() async throws {
        try await LedgerHarness.with { harness in
            let database = harness.database
            try await BatchScenario.createHooks(on: database)
            try await LedgerBatcherLockOrderTests.fund(harness)
            let calls = try [Int64(1), 2].map { player in try LedgerBatcherLockOrderTests.bet(of: player, key: "bet-\(player)") }
            let batcher = LedgerBatcher(ledger: harness.ledger, settings: LedgerBatchSettings())

            let (answers, end) = try await LedgerBatcherRecheckTests.apply(calls, by: batcher, whilePlayerOneIsHeld: database) { other in
                try await other.query(
                    """
                    SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                     WHERE wait_event_type = 'Lock' AND datname = current_database() AND pid <> pg_backend_pid()
                    """, logger: TestServices.logger
                ).collect()
            }
            #expect(end == .unknown)
            #expect(answers.allSatisfy { if case .failure = $0 { true } else { false } })
            #expect(try await harness.balances(1) == Balances(real: 100, bonus: 0, locked: 0), "terminated before its commit")

            let (retried, retryEnd) = await batcher.apply(calls)
            #expect(retryEnd == .committed)
            #expect(BatchScenario.describe(retried) == ["ok #1 90/0/0", "ok #2 90/0/0"])
            #expect(try await harness.balances(1) == Balances(real: 90, bonus: 0, locked: 0))
        }
    }
}
