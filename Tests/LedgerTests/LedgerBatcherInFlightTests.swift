import Core
import Persistence
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import Ledger

/// A shard with more than one batch in flight (`CROUPIER_LEDGER_BATCH_IN_FLIGHT`): batches run side
/// by side only for disjoint players, and each player's calls still run in arrival order.
@Suite struct LedgerBatcherInFlightTests {
    /// Player 1's batch waits for a row another transaction holds. With two batches in flight,
    /// player 2's call is applied meanwhile; player 1's second call waits for its first batch and
    /// then sees it. With one in flight, player 2's call would wait too (and the test says so).
    @Test func aSecondBatchRunsBesideAWaitingOneForOtherPlayersOnly() async throws {
        try await LedgerHarness.with { harness in
            let database = harness.database
            try await BatchScenario.createHooks(on: database)
            try await LedgerBatcherLockOrderTests.fund(harness)
            // The house account exists before the batches, as a plain player's needs it to.
            _ = try await harness.ledger.apply(LedgerBatcherLockOrderTests.bet(of: 2, key: "earlier").operation)
            let batcher = LedgerBatcher(
                ledger: harness.ledger, settings: LedgerBatchSettings(windowMicroseconds: 1_000, maximum: 64, shards: 1, inFlight: 2))
            let calls = try [(1, "first"), (1, "second"), (2, "beside")].map { player, key in
                try LedgerBatcherLockOrderTests.bet(of: Int64(player), key: key)
            }

            let (first, second, beside) = try await database.withConnection { other in
                for statement: PostgresQuery in [
                    "SET statement_timeout = '20s'", "BEGIN",
                    "SELECT 1 FROM ledger_accounts WHERE player_id = 1 AND balance_kind = 'real' FOR UPDATE",
                ] { try await other.query(statement, logger: TestServices.logger).collect() }
                let first = Task { try await batcher.submit(calls[0]) }
                try await LedgerBatcherRecheckTests.waitUntilSomeoneWaitsForARow(database)
                let second = Task { try await batcher.submit(calls[1]) }
                try await LedgerBatcherLockOrderTests.waitUntil { batcher.queued == 1 }
                let answered = Flag()
                let beside = Task {
                    defer { answered.raise() }
                    return try await batcher.submit(calls[2])
                }
                // A bound that only catches a batch that did not run beside the waiting one.
                for _ in 0..<2_000 where !answered.isRaised { try await Task.sleep(for: .milliseconds(5)) }
                #expect(answered.isRaised, "player 2's call waited for player 1's batch")
                #expect(batcher.queued == 1, "player 1's second call left the queue while its first batch was in flight")
                try await other.query("COMMIT", logger: TestServices.logger).collect()
                return try await (first.value, second.value, beside.value)
            }
            #expect(
                BatchScenario.describe([first, second, beside].map { .success($0) }) == [
                    "ok #1 90/0/0", "ok #2 80/0/0", "ok #3 80/0/0",
                ])
            let ids = [first, second, beside].map { outcome -> Int64 in
                guard case .ledger(let answer) = outcome else { return 0 }
                return answer.transactionID ?? 0
            }
            #expect(ids[2] < ids[0] && ids[0] < ids[1], "applied in the order beside, first, second: \(ids)")
        }
    }

    final class Flag: Sendable {
        private let value = Mutex(false)
        func raise() { value.withLock { $0 = true } }
        var isRaised: Bool { value.withLock { $0 } }
    }

    /// Calls of players whose batch is in flight all wait; the others are taken as usual.
    @Test func aBatchTakesNoCallOfAPlayerInFlight() throws {
        let calls = try [(1, "a"), (2, "b"), (3, "c"), (1, "d"), (2, "e")].map { player, key in
            try LedgerBatcherLockOrderTests.bet(of: Int64(player), key: key).statement
        }
        #expect(LedgerBatcher.nextBatch(of: calls, maximum: 64) == [0, 1, 2, 3, 4])
        #expect(LedgerBatcher.nextBatch(of: calls, maximum: 64, excluding: [1]) == [1, 2, 4])
        #expect(LedgerBatcher.nextBatch(of: calls, maximum: 64, excluding: [1, 2, 3]) == [])
    }
}
