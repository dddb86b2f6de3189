import Core
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// What other contexts ask the ledger: an operation by its key, its rollback state, and an
/// operation run with their hooks in one transaction.
@Suite struct LedgerContextAPITests {
    let games = HouseAccount.games("acme")
    let sandbox = HouseAccount.payments("sandbox")

    @Test func anOperationIsFoundByItsKeyWithWhatItMovedAndItsMetadata() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 10_000, gateway: sandbox), player: 7)
            let key = h.nextKey("hub88")
            try await h.apply(.bet(units: 1_250, house: games), player: 7, key: key, metadata: ["round": "r-9"])
            let found = try #require(try await h.ledger.operation(key))
            #expect(
                found
                    == Ledger.RecordedOperation(
                        kind: "bet", player: PlayerID(7), currency: "EUR", units: 1_250, metadata: ["round": "r-9"],
                        appliedAt: found.appliedAt))
            #expect(abs(found.appliedAt.timeIntervalSinceNow) < 600, "applied just now, by the database's clock")
            #expect(try await h.ledger.operation(h.nextKey("hub88")) == nil)
        }
    }

    @Test func theRollbackStateTellsAReversedOperationFromOneRefusedInAdvance() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 10_000, gateway: sandbox))
            let bet = h.nextKey()
            try await h.apply(.bet(units: 500, house: games), key: bet)
            #expect(try await h.ledger.rollbackState(of: bet) == .notRolledBack)
            try await h.apply(.rollback(of: bet))
            #expect(try await h.ledger.rollbackState(of: bet) == .rolledBack)
            let neverSeen = h.nextKey()
            try await h.apply(.rollback(of: neverSeen))
            #expect(try await h.ledger.rollbackState(of: neverSeen) == .refusedInAdvance)
        }
    }

    @Test func aRefusingCheckWritesNothingAndFollowUpsRunOnlyWhenMoneyMovedNow() async throws {
        try await LedgerHarness.with { h in
            try await HookFixture.install(on: h.database)
            try await h.apply(.deposit(units: 10_000, gateway: sandbox))
            let key = h.nextKey()
            let bet = LedgerOperation(key: key, player: PlayerID(1), currency: "EUR", movement: .bet(units: 300, house: games))
            let before = try await h.rowCounts()
            let refused = try await h.ledger.apply(
                bet, checks: [HookFixture.pass, HookFixture.refuse], followUps: [HookFixture.note], hookArguments: ["say": "no"])
            #expect(refused == .refused("notToday", balances: Balances(real: 10_000, bonus: 0, locked: 0)))
            #expect(try await h.rowCounts() == before)
            #expect(try await HookFixture.notes(on: h.database) == [])

            let applied = try await h.ledger.apply(
                bet, checks: [HookFixture.pass], followUps: [HookFixture.note], hookArguments: ["say": "hi"])
            guard case .ledger(let outcome) = applied else { throw HookFixture.Unexpected(outcome: applied) }
            #expect(outcome.code == .ok && !outcome.replayed)
            #expect(outcome.balances == Balances(real: 9_700, bonus: 0, locked: 0))
            #expect(try await HookFixture.notes(on: h.database) == ["1:hi"])

            // The retry is the ledger's to answer: the refusing check is not asked, the note not written again.
            let retried = try await h.ledger.apply(
                bet, checks: [HookFixture.refuse], followUps: [HookFixture.note], hookArguments: ["say": "hi"])
            guard case .ledger(let replay) = retried else { throw HookFixture.Unexpected(outcome: retried) }
            #expect(replay.replayed && replay.sameResult(as: outcome))
            #expect(try await HookFixture.notes(on: h.database) == ["1:hi"])
        }
    }

    /// Each list of hooks runs in one statement (migration 0060): the checks in order until the
    /// first refusal, which leaves the checks after it unasked; every follow-up in order.
    @Test func checksStopAtTheFirstRefusalAndFollowUpsRunInOrder() async throws {
        try await LedgerHarness.with { h in
            try await HookFixture.install(on: h.database)
            try await h.apply(.deposit(units: 10_000, gateway: sandbox))
            let bet = LedgerOperation(key: h.nextKey(), player: PlayerID(1), currency: "EUR", movement: .bet(units: 300, house: games))
            await #expect(throws: (any Error).self) {
                try await h.ledger.apply(bet, checks: [HookFixture.pass, HookFixture.explode], followUps: [], hookArguments: [:])
            }
            let refused = try await h.ledger.apply(
                bet, checks: [HookFixture.pass, HookFixture.refuse, HookFixture.explode], followUps: [HookFixture.note],
                hookArguments: ["say": "no"])
            #expect(refused == .refused("notToday", balances: Balances(real: 10_000, bonus: 0, locked: 0)))

            let applied = try await h.ledger.apply(
                bet, checks: [HookFixture.pass, HookFixture.pass], followUps: [HookFixture.note, HookFixture.noteAgain, HookFixture.note],
                hookArguments: ["say": "hi"])
            guard case .ledger(let outcome) = applied else { throw HookFixture.Unexpected(outcome: applied) }
            #expect(outcome.code == .ok)
            #expect(try await HookFixture.notes(on: h.database) == ["1:hi", "again:1", "1:hi"])
        }
    }

    /// A rollback applied as a tombstone (its reference unseen when the caller looked) is refused
    /// by Ledger's check once the reference exists, with nothing written, so that the caller
    /// reverses it with its follow-ups; while the reference is still unknown it leaves the tombstone.
    @Test func theReferenceCheckRefusesARollbackWhoseReferenceExistsAndLetsATombstoneThrough() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 10_000, gateway: sandbox))
            let betKey = h.nextKey("hub88")
            try await h.apply(.bet(units: 300, house: games), key: betKey)
            let late = LedgerOperation(key: h.nextKey("hub88"), player: PlayerID(1), currency: "EUR", movement: .rollback(of: betKey))
            let before = try await h.rowCounts()
            let refused = try await h.ledger.apply(
                late, checks: [Ledger.refuseKnownReference], followUps: [],
                hookArguments: Ledger.referenceArguments(currency: "EUR", reference: betKey))
            #expect(refused == .refused(Ledger.referenceKnown, balances: Balances(real: 9_700, bonus: 0, locked: 0)))
            #expect(try await h.rowCounts() == before)
            #expect(try await h.ledger.rollbackState(of: betKey) == .notRolledBack)

            let unseen = h.nextKey("hub88")
            let early = LedgerOperation(key: h.nextKey("hub88"), player: PlayerID(1), currency: "EUR", movement: .rollback(of: unseen))
            let tombstone = try await h.ledger.apply(
                early, checks: [Ledger.refuseKnownReference], followUps: [],
                hookArguments: Ledger.referenceArguments(currency: "EUR", reference: unseen))
            guard case .ledger(let outcome) = tombstone else { throw HookFixture.Unexpected(outcome: tombstone) }
            #expect(outcome.code == .referenceNotFound, "a tombstone answers that the reference is unknown")
            #expect(try await h.ledger.rollbackState(of: unseen) == .refusedInAdvance)
        }
    }

    @Test func anInvalidOperationIsRefusedBeforeAnyHookRuns() async throws {
        try await LedgerHarness.with { h in
            try await HookFixture.install(on: h.database)
            let invalid = LedgerOperation(
                key: IdempotencyKey(scope: "Not A Scope", key: "k"), player: PlayerID(1), currency: "EUR",
                movement: .bet(units: 1, house: games))
            #expect(
                try await h.ledger.apply(invalid, checks: [HookFixture.refuse], followUps: [HookFixture.note], hookArguments: [:])
                    == .ledger(Outcome(code: .invalidKey)))
        }
    }
}

/// Hooks as another context would publish them, created in the test's own database.
enum HookFixture {
    static let pass = TransactionHook(function: "test_hook_pass")
    static let refuse = TransactionHook(function: "test_hook_refuse")
    static let note = TransactionHook(function: "test_hook_note")
    static let noteAgain = TransactionHook(function: "test_hook_note_again")
    /// A check that fails its statement: where it runs, the call throws.
    static let explode = TransactionHook(function: "test_hook_explode")

    struct Unexpected: Error {
        let outcome: Ledger.HookedOutcome
    }

    static func install(on database: Database) async throws {
        try await database.withConnection { connection in
            for statement in [
                "CREATE TABLE test_hook_notes (id bigint GENERATED ALWAYS AS IDENTITY, note text NOT NULL)",
                "CREATE FUNCTION test_hook_pass(p_player bigint, p_arguments jsonb) RETURNS text LANGUAGE sql AS $$ SELECT NULL::text $$",
                "CREATE FUNCTION test_hook_refuse(p_player bigint, p_arguments jsonb) RETURNS text LANGUAGE sql AS $$ SELECT 'notToday' $$",
                """
                CREATE FUNCTION test_hook_note(p_player bigint, p_arguments jsonb) RETURNS void LANGUAGE sql
                AS $$ INSERT INTO test_hook_notes (note) VALUES (p_player || ':' || (p_arguments->>'say')) $$
                """,
                """
                CREATE FUNCTION test_hook_note_again(p_player bigint, p_arguments jsonb) RETURNS void LANGUAGE sql
                AS $$ INSERT INTO test_hook_notes (note) VALUES ('again:' || p_player) $$
                """,
                """
                CREATE FUNCTION test_hook_explode(p_player bigint, p_arguments jsonb) RETURNS text LANGUAGE plpgsql
                AS $$ BEGIN RAISE EXCEPTION 'this check must not run'; END $$
                """,
            ] {
                // Fixed statements of this test, no input.
                try await connection.query(PostgresQuery(unsafeSQL: statement), logger: TestServices.logger).collect()
            }
        }
    }

    static func notes(on database: Database) async throws -> [String] {
        try await database.withConnection { connection in
            var notes: [String] = []
            let rows = try await connection.query("SELECT note FROM test_hook_notes ORDER BY id", logger: TestServices.logger)
            for try await note in rows.decode(String.self) { notes.append(note) }
            return notes
        }
    }
}
