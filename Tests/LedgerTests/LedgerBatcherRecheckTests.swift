import Core
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// The set-based batch decides which players are plain before it locks them, and looks again
/// under the locks (migration 0055, docs/ledger.md "Group commit").
@Suite struct LedgerBatcherRecheckTests {
    /// A rollback arriving on the single path before its bet leaves a tombstone. Here it commits
    /// while the batch, which read the bet as new, waits for the player's row: the batch must not
    /// apply a bet whose rollback came first. It raises, and the bet applied alone is refused.
    @Test func aRollbackCommittedWhileTheBatchWaitedForThePlayerRefusesTheBet() async throws {
        try await LedgerHarness.with { harness in
            let database = harness.database
            try await BatchScenario.createHooks(on: database)
            try await LedgerBatcherLockOrderTests.fund(harness)
            // The house account exists before the batch, as a plain player's needs it to.
            _ = try await harness.ledger.apply(LedgerBatcherLockOrderTests.bet(of: 2, key: "earlier").operation)
            let calls = try [Int64(1), 2].map { player in try LedgerBatcherLockOrderTests.bet(of: player, key: "bet-\(player)") }
            let batcher = LedgerBatcher(ledger: harness.ledger, settings: LedgerBatchSettings())
            let (answers, end) = try await Self.apply(calls, by: batcher, whilePlayerOneIsHeld: database) { other in
                try await other.query(
                    """
                    SELECT code FROM ledger_apply('hub88', 'acme:rollback-1', '\\x00'::bytea, 'rollback', 1, 'EUR', NULL, NULL,
                                                  'hub88', 'acme:bet-1', '{}'::jsonb)
                    """, logger: TestServices.logger
                ).collect()
            }
            #expect(end == .alone)
            #expect(BatchScenario.describe(answers) == ["alreadyRolledBack - 100/0/0", "ok #1 80/0/0"])
            #expect(try await harness.balances(1) == Balances(real: 100, bonus: 0, locked: 0))
        }
    }

    /// Applies `calls` as one batch while another transaction holds player 1's `real` row: once
    /// the batch waits for it, `meanwhile` runs in that transaction, which then commits.
    static func apply(
        _ calls: [HookedCall], by batcher: LedgerBatcher, whilePlayerOneIsHeld database: Database,
        meanwhile: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws -> (answers: [Result<Ledger.HookedOutcome, any Error>], end: LedgerBatcher.End) {
        let batch = try await database.withConnection { other in
            try await other.query("SET statement_timeout = '20s'", logger: TestServices.logger).collect()
            try await other.query("BEGIN", logger: TestServices.logger).collect()
            try await other.query(
                "SELECT 1 FROM ledger_accounts WHERE player_id = 1 AND balance_kind = 'real' FOR UPDATE", logger: TestServices.logger
            ).collect()
            let batch = Task { await batcher.apply(calls) }
            try await waitUntilSomeoneWaitsForARow(database)
            try await meanwhile(other)
            try await other.query("COMMIT", logger: TestServices.logger).collect()
            return batch
        }
        return await batch.value
    }

    static func waitUntilSomeoneWaitsForARow(_ database: Database) async throws {
        try await waitUntil(waiting: 1, database)
    }

    /// Until `count` sessions of this database wait for a lock (a bound that only catches a hang).
    static func waitUntil(waiting count: Int, _ database: Database) async throws {
        for _ in 0..<200 {
            let waiting = try await database.withConnection { connection in
                var waiting = 0
                for try await value in try await connection.query(
                    "SELECT count(*)::int FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
                    logger: TestServices.logger
                ).decode(Int.self) { waiting = value }
                return waiting
            }
            if waiting >= count { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("fewer than \(count) sessions ever waited for a lock")
    }
}
