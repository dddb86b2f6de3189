import Core
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// Group commit locks in the order every other path does (docs/ledger.md, "Group commit"):
/// players in id order, and for each player its contexts' locks before its ledger rows.
@Suite struct LedgerBatcherLockOrderTests {
    /// A check that takes a per-player lock of its own context and goes on, as Compliance's
    /// limit check takes `compliance.player:<id>` for a player with play limits.
    static let contextLockCheck = TransactionHook(function: "test_batch_context_lock")

    /// The other side is a withdrawal's confirmation or a deposit: Compliance's lock of the player,
    /// then the player's ledger row. Version 1 of the batch function locked every player's ledger
    /// row first and waited for the context lock holding player 2's, so this deadlocked and
    /// PostgreSQL failed one side after `deadlock_timeout`; the batch fell back to one by one.
    @Test func aBatchWaitsForAPlayersContextLockWithoutHoldingThatPlayersLedgerRow() async throws {
        try await LedgerHarness.with { harness in
            let database = harness.database
            try await Self.createContextLockCheck(on: database)
            try await Self.fund(harness)
            let calls = try [Int64(1), 2].map { player in
                try Self.bet(of: player, key: "bet-\(player)", checks: [Self.contextLockCheck])
            }
            let batcher = LedgerBatcher(ledger: harness.ledger, settings: LedgerBatchSettings())

            let batch = try await database.withConnection { other in
                try await other.query("SET statement_timeout = '20s'", logger: TestServices.logger).collect()
                try await other.query("BEGIN", logger: TestServices.logger).collect()
                try await other.query(
                    "SELECT pg_advisory_xact_lock(hashtextextended('test.player:2', 0))", logger: TestServices.logger
                ).collect()
                let batch = Task { await batcher.apply(calls) }
                try await Self.waitUntilSomeoneWaitsForAnAdvisoryLock(database)
                try await other.query(
                    "SELECT 1 FROM ledger_accounts WHERE player_id = 2 AND balance_kind = 'real' FOR UPDATE", logger: TestServices.logger
                ).collect()
                try await other.query("COMMIT", logger: TestServices.logger).collect()
                return batch
            }
            let (answers, end) = await batch.value
            #expect(end == .committed)
            #expect(BatchScenario.describe(answers) == ["ok #1 90/0/0", "ok #2 90/0/0"])
        }
    }

    /// A player's win takes the player's ledger row; the player's bet after it runs a check that
    /// takes the context's lock. Were both in one batch, the batch would hold the row while it
    /// waited for the lock that a withdrawal's confirmation holds while it waits for the row: a
    /// deadlock, which this side (quicker to look for one) would lose with an error. The bet
    /// waits for the next batch instead, which takes the context's lock before the row.
    @Test func aPlayersCallWithChecksWaitsForTheNextBatchRatherThanLockAfterTheRow() async throws {
        try await LedgerHarness.with { harness in
            let database = harness.database
            try await Self.createContextLockCheck(on: database)
            try await Self.fund(harness)
            _ = try await harness.ledger.apply(Self.bet(of: 2, key: "earlier").operation)
            let win = try BatchScenario.call(
                BatchScenario.Step(
                    operation: LedgerOperation(
                        key: IdempotencyKey(scope: "hub88", key: "acme:win"), player: PlayerID(2), currency: "EUR",
                        movement: .win(units: 5, house: BatchScenario.games, bet: IdempotencyKey(scope: "hub88", key: "acme:earlier")),
                        metadata: ["round": "r1"])))
            let bet = try Self.bet(of: 2, key: "later", checks: [Self.contextLockCheck])
            let batcher = LedgerBatcher(
                ledger: harness.ledger, settings: LedgerBatchSettings(windowMicroseconds: 1_000_000, maximum: 64, shards: 1, inFlight: 1))

            let answers = try await database.withConnection { other in
                for statement: PostgresQuery in [
                    "SET statement_timeout = '20s'", "SET deadlock_timeout = '100ms'", "BEGIN",
                    "SELECT pg_advisory_xact_lock(hashtextextended('test.player:2', 0))",
                ] { try await other.query(statement, logger: TestServices.logger).collect() }
                async let winAnswer = batcher.submit(win)
                try await Self.waitUntil { batcher.queued == 1 }
                async let betAnswer = batcher.submit(bet)
                try await Self.waitUntilSomeoneWaitsForAnAdvisoryLock(database)
                try await other.query(
                    "SELECT 1 FROM ledger_accounts WHERE player_id = 2 AND balance_kind = 'real' FOR UPDATE", logger: TestServices.logger
                ).collect()
                try await other.query("COMMIT", logger: TestServices.logger).collect()
                return try await [winAnswer, betAnswer].map { Swift.Result<Ledger.HookedOutcome, any Error>.success($0) }
            }
            #expect(BatchScenario.describe(answers) == ["ok #1 95/0/0", "ok #2 85/0/0"])
        }
    }

    /// Calls of different players share no row, so the batch may take players in id order: only
    /// a key reused for two players in one batch (a provider's error) shows it, going to the lower
    /// id whatever the arrival order, as it could have gone had the two been sent at once.
    @Test func aKeyReusedForTwoPlayersInOneBatchGoesToTheLowerPlayerId() async throws {
        try await LedgerHarness.with { harness in
            try await BatchScenario.createHooks(on: harness.database)
            try await Self.fund(harness)
            let calls = try [Int64(2), 1].map { player in try Self.bet(of: player, key: "reused") }
            let (answers, end) = await LedgerBatcher(ledger: harness.ledger, settings: LedgerBatchSettings()).apply(calls)
            #expect(end == .committed)
            #expect(BatchScenario.describe(answers) == ["duplicateMismatch - -", "ok #1 90/0/0"])
        }
    }

    static func createContextLockCheck(on database: Database) async throws {
        try await BatchScenario.createHooks(on: database)
        try await database.withConnection { connection in
            try await connection.query(
                """
                CREATE FUNCTION test_batch_context_lock(p_player bigint, p_call jsonb) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
                BEGIN
                    PERFORM pg_advisory_xact_lock(hashtextextended('test.player:' || p_player::text, 0));
                    RETURN NULL;
                END
                $$
                """, logger: TestServices.logger
            ).collect()
        }
    }

    /// 100 units for players 1 and 2.
    static func fund(_ harness: LedgerHarness) async throws {
        var harness = harness
        for player: Int64 in [1, 2] {
            try await harness.apply(.deposit(units: 100, gateway: BatchScenario.sandbox), player: player)
        }
    }

    /// A bet of 10 by `player` under Hub88's key `acme:<key>`, ready to batch.
    static func bet(of player: Int64, key: String, checks: [TransactionHook] = []) throws -> HookedCall {
        try BatchScenario.call(
            BatchScenario.Step(
                operation: LedgerOperation(
                    key: IdempotencyKey(scope: "hub88", key: "acme:\(key)"), player: PlayerID(player), currency: "EUR",
                    movement: .bet(units: 10, house: BatchScenario.games), metadata: ["round": "r1"]),
                checks: checks))
    }

    /// A bound that only catches a hang.
    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<2_000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        try #require(condition())
    }

    static func waitUntilSomeoneWaitsForAnAdvisoryLock(_ database: Database) async throws {
        for _ in 0..<200 {
            let waiting = try await database.withConnection { connection in
                var count = 0
                for try await value in try await connection.query(
                    """
                    SELECT count(*)::int FROM pg_locks
                     WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """, logger: TestServices.logger
                ).decode(Int.self) { count = value }
                return count
            }
            if waiting > 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("nothing waited for an advisory lock")
    }
}
