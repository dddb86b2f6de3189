import Core
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// A rollback's tombstone and an operation of the key it names hold different players' locks
/// when the two are not of one player and currency; the key's lock orders them (migration 0066,
/// docs/ledger.md "Tombstones and the key's lock"). Each test holds one side in an open
/// transaction until the other waits for it, then commits. Without the key's lock both sides
/// committed in each case of the first two tests and of the batch's, and the auditor (run by the
/// harness) reported invariant 5.
@Suite struct TombstoneKeyLockTests {
    static let bet = IdempotencyKey(scope: "hub88", key: "acme:bet-1")

    /// A rollback of a key not yet seen leaves its tombstone under another lock than the bet's:
    /// another player's, or the same player's in another currency. The bet of that key waits for
    /// it and is refused.
    @Test(arguments: [(Int64(2), "EUR"), (Int64(1), "USD")])
    func aBetWaitsForATombstoneOfItsKeyUnderAnotherLockAndIsRefused(rollbackBy player: Int64, in currency: String) async throws {
        try await LedgerHarness.with { harness in
            try await LedgerBatcherLockOrderTests.fund(harness)
            let ledger = harness.ledger
            let outcome = try await Self.run(
                held: Self.rollbackSQL(player: player, currency: currency), expecting: "referenceNotFound", on: harness.database
            ) {
                try await ledger.apply(
                    LedgerOperation(
                        key: Self.bet, player: PlayerID(1), currency: "EUR", movement: .bet(units: 10, house: BatchScenario.games)))
            }
            #expect(outcome.code == .alreadyRolledBack)
            #expect(try await harness.balances(1) == Balances(real: 100, bonus: 0, locked: 0))
        }
    }

    /// The other order: the bet is committing when another player's rollback names it. The
    /// rollback waits, then finds a bet that is not its player's, and leaves no tombstone; the
    /// bet's own rollback still reverses it.
    @Test func aRollbackWaitsForTheBetOfTheKeyItNamesAndLeavesNoTombstone() async throws {
        try await LedgerHarness.with { harness in
            try await LedgerBatcherLockOrderTests.fund(harness)
            let ledger = harness.ledger
            let outcome = try await Self.run(held: Self.betSQL, expecting: "ok", on: harness.database) {
                try await ledger.apply(
                    LedgerOperation(
                        key: IdempotencyKey(scope: "hub88", key: "acme:rollback-2"), player: PlayerID(2), currency: "EUR",
                        movement: .rollback(of: Self.bet)))
            }
            #expect(outcome.code == .referenceNotFound)
            #expect(try await harness.scalar("SELECT count(*)::bigint FROM ledger_tombstones") == 0)
            #expect(try await harness.balances(1) == Balances(real: 90, bonus: 0, locked: 0))
            let own = try await harness.apply(
                .rollback(of: Self.bet), player: 1, key: IdempotencyKey(scope: "hub88", key: "acme:rollback-1"))
            #expect(own.code == .ok)
            #expect(own.balances == Balances(real: 100, bonus: 0, locked: 0))
        }
    }

    /// Ledger's check for a rollback its caller found no reference for waits for the key too: the
    /// bet committing in another currency is then `referenceKnown`, and the caller looks again
    /// (without the wait the ledger refused the tombstone `currencyMismatch`).
    @Test func theEarlyRollbackCheckWaitsForTheBetOfTheKeyItNames() async throws {
        try await LedgerHarness.with { harness in
            try await LedgerBatcherLockOrderTests.fund(harness)
            let ledger = harness.ledger
            let outcome = try await Self.run(held: Self.betSQL, expecting: "ok", on: harness.database) {
                try await ledger.apply(
                    LedgerOperation(
                        key: IdempotencyKey(scope: "hub88", key: "acme:rollback-1"), player: PlayerID(1), currency: "USD",
                        movement: .rollback(of: Self.bet)),
                    checks: [Ledger.refuseKnownReference], followUps: [],
                    hookArguments: Ledger.referenceArguments(currency: "USD", reference: Self.bet))
            }
            guard case .refused(let code, _) = outcome else { throw HookFixture.Unexpected(outcome: outcome) }
            #expect(code == Ledger.referenceKnown)
            #expect(try await harness.scalar("SELECT count(*)::bigint FROM ledger_tombstones") == 0)
        }
    }

    /// Two rollbacks under one key by different players, each naming a key not seen: the second
    /// waits for the first's key and is a mismatch, as it is after the first's commit (it was
    /// answered `referenceNotFound` with no tombstone of its own, so its bet would have been paid).
    @Test func aRollbackUnderAKeyAnotherPlayersRollbackIsTombstoningIsAMismatch() async throws {
        try await LedgerHarness.with { harness in
            try await LedgerBatcherLockOrderTests.fund(harness)
            let ledger = harness.ledger
            let outcome = try await Self.run(
                held: Self.rollbackSQL(player: 2, currency: "EUR"), expecting: "referenceNotFound", on: harness.database
            ) {
                try await ledger.apply(
                    LedgerOperation(
                        key: IdempotencyKey(scope: "hub88", key: "acme:rollback-held"), player: PlayerID(1), currency: "EUR",
                        movement: .rollback(of: IdempotencyKey(scope: "hub88", key: "acme:bet-2"))))
            }
            #expect(outcome.code == .duplicateMismatch)
            #expect(outcome.balances == nil, "no other player's balances")
            #expect(try await harness.scalar("SELECT count(*)::bigint FROM ledger_tombstones") == 1)
            // Sent again, it meets the tombstone before any lock: the same answer, still none of
            // player 2's balances (they were shown before 0066).
            let again = try await ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "hub88", key: "acme:rollback-held"), player: PlayerID(1), currency: "EUR",
                    movement: .rollback(of: IdempotencyKey(scope: "hub88", key: "acme:bet-2"))))
            #expect(again.code == .duplicateMismatch)
            #expect(again.balances == nil)
        }
    }

    /// A player's first call in a currency: the early-rollback check of a key finds no accounts
    /// and opens them before it waits for the key, so a credit of that key opening them too waits
    /// for it rather than holding them while it waits for the key (a deadlock PostgreSQL broke
    /// after a second). Both run as raw statements, so a deadlock fails the test, not a retry.
    @Test func theEarlyRollbackCheckOpensTheAccountsBeforeItWaitsForTheKey() async throws {
        try await LedgerHarness.with { harness in
            let database = harness.database
            let (rollback, credit) = try await database.withConnection { holder in
                try await holder.query("BEGIN", logger: TestServices.logger).collect()
                try await holder.query(
                    "SELECT pg_advisory_xact_lock(hashtextextended('ledger.key:hub88:acme:win-1', 0))", logger: TestServices.logger
                ).collect()
                let rollback = Task { try await Self.code(Self.checkedRollbackSQL, on: database) }
                try await LedgerBatcherRecheckTests.waitUntil(waiting: 1, database)
                let credit = Task { try await Self.code(Self.creditSQL, on: database) }
                try await LedgerBatcherRecheckTests.waitUntil(waiting: 2, database)
                try await holder.query("COMMIT", logger: TestServices.logger).collect()
                return (rollback, credit)
            }
            #expect(try await rollback.value == "referenceNotFound")
            #expect(try await credit.value == "alreadyRolledBack")
        }
    }

    /// The check opens a player's accounts only for a rollback that may leave a tombstone: a
    /// reference applied already is refused before anything is opened.
    @Test func theEarlyRollbackCheckOpensNoAccountsForAKnownReference() async throws {
        try await LedgerHarness.with { harness in
            try await LedgerBatcherLockOrderTests.fund(harness)
            _ = try await harness.ledger.apply(
                LedgerOperation(key: Self.bet, player: PlayerID(1), currency: "EUR", movement: .bet(units: 10, house: BatchScenario.games)))
            let before = try await harness.rowCounts()
            let outcome = try await harness.ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "hub88", key: "acme:rollback-2"), player: PlayerID(2), currency: "USD",
                    movement: .rollback(of: Self.bet)),
                checks: [Ledger.refuseKnownReference], followUps: [],
                hookArguments: Ledger.referenceArguments(currency: "USD", reference: Self.bet))
            guard case .refused(let code, _) = outcome else { throw HookFixture.Unexpected(outcome: outcome) }
            #expect(code == Ledger.referenceKnown)
            #expect(try await harness.rowCounts() == before, "no accounts opened")
        }
    }

    static let checkedRollbackSQL: PostgresQuery = """
        SELECT coalesce(refusal, code) FROM ledger_apply_with_hooks_v2(
            'hub88', 'acme:rollback-1', '\\x00'::bytea, 'rollback', 1, 'USD', NULL, NULL, 'hub88', 'acme:win-1', '{}'::jsonb,
            '{ledger_refuse_known_reference_v1}'::regproc[], '{}'::regproc[],
            '{"currency": "USD", "reference_scope": "hub88", "reference_key": "acme:win-1"}'::jsonb)
        """

    static let creditSQL: PostgresQuery = """
        SELECT code FROM ledger_apply('hub88', 'acme:win-1', '\\x02'::bytea, 'win', 1, 'USD', 10, 'games:acme', NULL, NULL, '{}'::jsonb)
        """

    static func code(_ query: PostgresQuery, on database: Database) async throws -> String {
        try await database.withConnection { connection in
            try await connection.query("SET statement_timeout = '20s'", logger: TestServices.logger).collect()
            for try await code in try await connection.query(query, logger: TestServices.logger).decode(String.self) { return code }
            return ""
        }
    }

    /// A batch's plain bet of a key another player's rollback is tombstoning waits for that key,
    /// sees the tombstone when it looks again, and raises; applied alone, the bet is refused and
    /// its neighbour is not.
    @Test func aBatchsPlainBetWaitsForAnotherPlayersTombstoneOfItsKey() async throws {
        try await LedgerHarness.with { harness in
            try await BatchScenario.createHooks(on: harness.database)
            try await LedgerBatcherLockOrderTests.fund(harness)
            // The house account exists before the batch, as a plain player's needs it to.
            _ = try await harness.ledger.apply(LedgerBatcherLockOrderTests.bet(of: 2, key: "earlier").operation)
            let calls = try ["bet-1", "bet-2"].map { key in try LedgerBatcherLockOrderTests.bet(of: 1, key: key) }
            let batcher = LedgerBatcher(ledger: harness.ledger, settings: LedgerBatchSettings())
            let (answers, end) = try await Self.run(
                held: Self.rollbackSQL(player: 2, currency: "EUR"), expecting: "referenceNotFound", on: harness.database
            ) { await batcher.apply(calls) }
            #expect(end == .alone)
            #expect(BatchScenario.describe(answers) == ["alreadyRolledBack - 100/0/0", "ok #1 90/0/0"])
            #expect(try await harness.balances(1) == Balances(real: 90, bonus: 0, locked: 0))
        }
    }

    static func rollbackSQL(player: Int64, currency: String) -> PostgresQuery {
        """
        SELECT code FROM ledger_apply('hub88', 'acme:rollback-held', '\\x00'::bytea, 'rollback', \(player), \(currency), NULL, NULL,
                                      'hub88', 'acme:bet-1', '{}'::jsonb)
        """
    }

    static let betSQL: PostgresQuery = """
        SELECT code FROM ledger_apply('hub88', 'acme:bet-1', '\\x01'::bytea, 'bet', 1, 'EUR', 10, 'games:acme', NULL, NULL, '{}'::jsonb)
        """

    /// Runs `held` in a transaction left open until `body`, started meanwhile, waits for an
    /// advisory lock; then commits it and returns what `body` returned.
    static func run<T: Sendable>(
        held: PostgresQuery, expecting code: String, on database: Database, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let task = try await database.withConnection { other in
            try await other.query("SET statement_timeout = '20s'", logger: TestServices.logger).collect()
            try await other.query("BEGIN", logger: TestServices.logger).collect()
            var answered: [String] = []
            for try await value in try await other.query(held, logger: TestServices.logger).decode(String.self) { answered.append(value) }
            #expect(answered == [code])
            let task = Task { try await body() }
            try await LedgerBatcherLockOrderTests.waitUntilSomeoneWaitsForAnAdvisoryLock(database)
            try await other.query("COMMIT", logger: TestServices.logger).collect()
            return task
        }
        return try await task.value
    }
}
