import Core
import Persistence
import TestSupport
import Testing

@testable import Ledger

/// Group commit answers exactly what applying the same operations one by one answers
/// (docs/ledger.md, "Group commit"): each sequence runs both ways on fresh databases, and every
/// answer, balance, follow-up count and row count must agree. The auditor runs after each.
@Suite struct LedgerBatcherTests {
    typealias Step = BatchScenario.Step
    let games = BatchScenario.games

    func key(_ name: String) -> IdempotencyKey { IdempotencyKey(scope: "hub88", key: "acme:\(name)") }

    func operation(_ name: String, player: Int64 = 1, _ movement: Movement, round: String = "r1") -> LedgerOperation {
        LedgerOperation(key: key(name), player: PlayerID(player), currency: "EUR", movement: movement, metadata: ["round": round])
    }

    func deposit(_ player: Int64, _ units: Int64) -> LedgerOperation {
        LedgerOperation(
            key: IdempotencyKey(scope: "sandbox", key: "deposit-\(player)"), player: PlayerID(player), currency: "EUR",
            movement: .deposit(units: units, gateway: BatchScenario.sandbox))
    }

    /// Runs `scenario` one by one and as one batch, expects the same answers and final state, and
    /// that the batch ended as `end` (committed as one transaction unless an operation fails).
    @discardableResult
    func expectSameAnswers(_ scenario: BatchScenario, end: LedgerBatcher.End = .committed) async throws -> BatchScenario.Result {
        let alone = try await scenario.run(batched: false)
        let batched = try await scenario.run(batched: true)
        #expect(batched.result == alone.result)
        #expect(batched.end == end)
        return batched.result
    }

    @Test func aPlayersSecondOperationSeesTheFirstAndARefusalSeesWhatTheEarlierOnesLeft() async throws {
        let result = try await expectSameAnswers(
            BatchScenario(
                setup: [deposit(1, 100), deposit(2, 50)],
                steps: [
                    Step(operation: operation("b1", .bet(units: 40, house: games))),
                    Step(operation: operation("b2", player: 2, .bet(units: 30, house: games))),
                    Step(operation: operation("b3", .bet(units: 40, house: games))),
                    Step(operation: operation("b4", .bet(units: 40, house: games))),
                    Step(operation: operation("w1", .win(units: 25, house: games, bet: key("b1")))),
                    Step(operation: operation("b5", .bet(units: 46, house: games))),
                    Step(operation: operation("b6", player: 2, .bet(units: 30, house: games))),
                ]))
        #expect(result.answers[3] == "insufficientFunds - 20/0/0")
        #expect(result.answers[5] == "insufficientFunds - 45/0/0")
        #expect(result.balances[1] == Balances(real: 45, bonus: 0, locked: 0))
        #expect(result.followUps[1] == 3)
    }

    /// Players whose operations are all new bets and wins are applied set-based (migration 0055),
    /// beside players that go one operation at a time: bonus shares, a check refusing a player's
    /// first operation, refusals and wins naming earlier bets must answer as one by one.
    @Test func plainPlayersAnswerAsOneByOneBesideOthers() async throws {
        let bonus = LedgerOperation(
            key: IdempotencyKey(scope: "bonus", key: "grant-1"), player: PlayerID(1), currency: "EUR", movement: .bonusGrant(units: 50))
        let result = try await expectSameAnswers(
            BatchScenario(
                setup: [deposit(1, 100), bonus, operation("s1", .bet(units: 120, house: games)), deposit(2, 60), deposit(3, 10)],
                steps: [
                    Step(operation: operation("w1", .win(units: 60, house: games, bet: key("s1")))),
                    Step(
                        operation: operation("b1", player: 2, .bet(units: 40, house: games)), checks: [BatchScenario.refuseCheck],
                        arguments: ["refuse": "limitReached"]),
                    Step(operation: operation("b2", player: 2, .bet(units: 50, house: games))),
                    Step(operation: operation("b3", player: 2, .bet(units: 20, house: games))),
                    Step(operation: operation("b4", .bet(units: 70, house: games))),
                    Step(operation: operation("b5", player: 3, .bet(units: 5, house: games)), checks: [BatchScenario.refuseCheck]),
                    Step(operation: operation("rb5", player: 3, .rollback(of: key("b9")))),
                    Step(operation: operation("w5", player: 3, .win(units: 3, house: games, bet: nil))),
                    Step(operation: operation("b6", player: 2, .bet(units: 10, house: games))),
                ]))
        #expect(result.answers[0] == "ok #1 50/40/0")
        #expect(result.answers[1] == "refused limitReached 60/0/0")
        #expect(result.answers[3] == "insufficientFunds - 10/0/0")
        #expect(result.answers[4] == "ok #3 0/20/0")
        #expect(result.answers[8] == "ok #6 0/0/0")
        #expect(result.events.count == 11)
    }

    @Test func aRollbackBeforeItsBetLeavesItsTombstoneForTheBetLaterInTheBatch() async throws {
        let result = try await expectSameAnswers(
            BatchScenario(
                setup: [deposit(1, 100)],
                steps: [
                    Step(
                        operation: operation("rb1", .rollback(of: key("b1"))), followUps: [],
                        arguments: Ledger.referenceArguments(currency: "EUR", reference: key("b1"))),
                    Step(operation: operation("b1", .bet(units: 10, house: games))),
                    Step(operation: operation("b2", .bet(units: 10, house: games))),
                    Step(operation: operation("rb2", .rollback(of: key("b2")))),
                    Step(operation: operation("rb2", .rollback(of: key("b2")))),
                ]))
        #expect(result.answers[0].hasPrefix("referenceNotFound"))
        #expect(result.answers[1].hasPrefix("alreadyRolledBack"))
        #expect(result.answers[4].hasSuffix("replayed"))
        #expect(result.balances[1] == Balances(real: 100, bonus: 0, locked: 0))
    }

    @Test func aRepeatedKeyIsAReplayWithTheFirstAnswerOrADuplicateMismatch() async throws {
        let result = try await expectSameAnswers(
            BatchScenario(
                setup: [deposit(1, 100), deposit(2, 100)],
                steps: [
                    Step(operation: operation("b1", .bet(units: 10, house: games))),
                    Step(operation: operation("b2", .bet(units: 20, house: games))),
                    Step(operation: operation("b1", .bet(units: 10, house: games))),
                    Step(operation: operation("b1", .bet(units: 11, house: games))),
                    Step(operation: operation("b1", .bet(units: 10, house: games), round: "r2")),
                    Step(operation: operation("b1", player: 2, .bet(units: 10, house: games))),
                    Step(operation: operation("w1", .win(units: 5, house: games, bet: key("b2")))),
                    Step(operation: operation("w1", .win(units: 5, house: games, bet: key("b2")))),
                ]))
        #expect(result.answers[2] == "ok #1 90/0/0 replayed")
        #expect(result.answers[3].hasPrefix("duplicateMismatch"))
        #expect(result.answers[4].hasPrefix("duplicateMismatch"))
        #expect(result.answers[5].hasPrefix("duplicateMismatch"))
        #expect(result.answers[7] == "ok #3 75/0/0 replayed")
        #expect(result.followUps[1] == 3)
    }

    /// Exact replays of committed operations beside their players' new operations, a win naming
    /// the replayed bet, a mismatched key and a rollback beside a replay answer as one by one.
    @Test func exactReplaysOfCommittedOperationsAnswerBesideNewOnes() async throws {
        let result = try await expectSameAnswers(
            BatchScenario(
                setup: [
                    deposit(1, 100), deposit(2, 100), operation("b0", .bet(units: 10, house: games)),
                    operation("b00", .bet(units: 5, house: games)), operation("c0", player: 2, .bet(units: 20, house: games)),
                ],
                steps: [
                    Step(operation: operation("b0", .bet(units: 10, house: games))),
                    Step(operation: operation("b1", .bet(units: 10, house: games))),
                    Step(operation: operation("w1", .win(units: 5, house: games, bet: key("b0")))),
                    Step(operation: operation("b00", .bet(units: 6, house: games))),
                    Step(operation: operation("c0", player: 2, .bet(units: 20, house: games))),
                    Step(operation: operation("rb", player: 2, .rollback(of: key("c0")))),
                ]))
        #expect(result.answers[0] == "ok #1 90/0/0 replayed")
        #expect(result.answers[1] == "ok #2 75/0/0")
        #expect(result.answers[3].hasPrefix("duplicateMismatch"))
        #expect(result.answers[4].hasPrefix("ok #") && result.answers[4].hasSuffix(" 80/0/0 replayed"))
        #expect(result.balances[2] == Balances(real: 100, bonus: 0, locked: 0))
        #expect(result.followUps[1] == 2, "a replay runs no follow-up")
    }

    @Test func aCheckRefusesOnlyItsOperationAndIsSkippedForAnAppliedKey() async throws {
        let result = try await expectSameAnswers(
            BatchScenario(
                setup: [deposit(1, 100)],
                steps: [
                    Step(operation: operation("b1", .bet(units: 10, house: games)), checks: [BatchScenario.refuseCheck]),
                    Step(
                        operation: operation("b2", .bet(units: 10, house: games)), checks: [BatchScenario.refuseCheck],
                        arguments: ["refuse": "limitReached"]),
                    Step(
                        operation: operation("b1", .bet(units: 10, house: games)), checks: [BatchScenario.refuseCheck],
                        arguments: ["refuse": "limitReached"]),
                ]))
        #expect(result.answers == ["ok #1 90/0/0", "refused limitReached 90/0/0", "ok #1 90/0/0 replayed"])
    }

    /// Batched as alone, a player's checks stop at the first refusal (the check after it would
    /// raise) and every follow-up in the list runs (migration 0060).
    @Test func checksStopAtTheFirstRefusalAndEveryFollowUpRuns() async throws {
        let checks = [BatchScenario.refuseCheck, BatchScenario.explodeCheck]
        let twice = [BatchScenario.countFollowUp, BatchScenario.countFollowUp]
        let result = try await expectSameAnswers(
            BatchScenario(
                setup: [deposit(1, 100), deposit(2, 100)],
                steps: [
                    Step(
                        operation: operation("b1", .bet(units: 10, house: games)), checks: checks, followUps: twice,
                        arguments: ["refuse": "limitReached"]),
                    Step(operation: operation("b2", player: 2, .bet(units: 10, house: games)), followUps: twice),
                    Step(operation: operation("b3", player: 2, .bet(units: 10, house: games)), followUps: twice),
                ]))
        #expect(result.answers == ["refused limitReached 100/0/0", "ok #1 90/0/0", "ok #2 80/0/0"])
        #expect(result.followUps[1] == 0 && result.followUps[2] == 4)
    }

    @Test func anOperationFailingInSQLFailsAloneAndItsNeighboursAreApplied() async throws {
        let result = try await expectSameAnswers(
            BatchScenario(
                setup: [deposit(1, 100), deposit(2, 100)],
                steps: [
                    Step(operation: operation("b1", .bet(units: 10, house: games))),
                    Step(operation: operation("b2", player: 2, .bet(units: 10, house: games)), arguments: ["fail": "yes"]),
                    Step(operation: operation("b3", .bet(units: 10, house: games))),
                    Step(operation: operation("b4", player: 2, .bet(units: 5, house: games))),
                ]), end: .alone)
        #expect(result.answers == ["ok #1 90/0/0", "error", "ok #2 80/0/0", "ok #3 95/0/0"])
        #expect(result.balances[2] == Balances(real: 95, bonus: 0, locked: 0))
    }

    /// The flusher's batches keep every path's lock order (docs/ledger.md, "Lock order"): of a
    /// player, only the first call may have checks and the rest share its currency; the first
    /// call that breaks that waits, with every later call of its player.
    @Test func aBatchTakesOfEachPlayerOnlyCallsThatLockNothingAfterThePlayersRow() throws {
        func statement(_ name: String, _ player: Int64, checks: Bool = false, currency: String = "EUR") throws -> HookedApplyStatement {
            let operation = LedgerOperation(
                key: key(name), player: PlayerID(player), currency: currency, movement: .bet(units: 10, house: games))
            return try BatchScenario.call(Step(operation: operation, checks: checks ? [BatchScenario.refuseCheck] : [])).statement
        }
        let waiting = [
            try statement("a", 1, checks: true), try statement("b", 2), try statement("c", 1), try statement("d", 1, checks: true),
            try statement("e", 1), try statement("f", 2, currency: "USD"), try statement("g", 3, checks: true), try statement("h", 2),
        ]
        #expect(LedgerBatcher.nextBatch(of: waiting, maximum: 64) == [0, 1, 2, 6])
        #expect(LedgerBatcher.nextBatch(of: waiting, maximum: 2) == [0, 1])
        #expect(LedgerBatcher.nextBatch(of: Array(waiting[3...]), maximum: 64) == [0, 1, 2, 3])
    }
}
