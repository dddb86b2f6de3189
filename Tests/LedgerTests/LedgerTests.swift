import Core
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

@Suite struct LedgerTests {
    let games = HouseAccount.games("originals")
    let sandbox = HouseAccount.payments("sandbox")

    @Test func aBetSpendsRealFirstThenBonusAndItsRollbackRestoresEachPart() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: sandbox))
            try await h.apply(.bonusGrant(units: 500))
            let betKey = h.nextKey()
            let bet = try await h.apply(.bet(units: 1_300, house: games), key: betKey)
            #expect(bet.code == .ok)
            #expect(bet.balances == Balances(real: 0, bonus: 200, locked: 0))
            let rollback = try await h.apply(.rollback(of: betKey))
            #expect(rollback.code == .ok)
            #expect(rollback.balances == Balances(real: 1_000, bonus: 500, locked: 0))
            #expect(try await h.apply(.rollback(of: betKey)).code == .alreadyRolledBack)
        }
    }

    @Test func aReplayReturnsTheStoredOutcomeAndMovesNothing() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 10_000, gateway: sandbox))
            let key = h.nextKey()
            let first = try await h.apply(.bet(units: 700, house: games), key: key, metadata: ["round": "r1"])
            try await h.apply(.bet(units: 100, house: games))
            let before = try await h.rowCounts()
            let replay = try await h.apply(.bet(units: 700, house: games), key: key, metadata: ["round": "r1"])
            #expect(replay.replayed)
            #expect(replay.sameResult(as: first))
            #expect(try await h.rowCounts() == before)
            #expect(try await h.balances() == Balances(real: 9_200, bonus: 0, locked: 0))
        }
    }

    @Test func theSameKeyWithAnotherPayloadIsAMismatchAndWritesNothing() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 10_000, gateway: sandbox))
            let key = h.nextKey()
            try await h.apply(.bet(units: 700, house: games), key: key, metadata: ["round": "r1"])
            let before = try await h.rowCounts()
            for movement in [Movement.bet(units: 701, house: games), .win(units: 700, house: games, bet: nil)] {
                #expect(try await h.apply(movement, key: key, metadata: ["round": "r1"]).code == .duplicateMismatch)
            }
            #expect(try await h.apply(.bet(units: 700, house: games), key: key, metadata: ["round": "r2"]).code == .duplicateMismatch)
            #expect(
                try await h.apply(.bet(units: 700, house: games), player: 2, key: key, metadata: ["round": "r1"]).code == .duplicateMismatch
            )
            #expect(try await h.rowCounts() == before)
        }
    }

    @Test func aRollbackBeforeItsBetLeavesATombstoneAndTheLateBetIsRefused() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 5_000, gateway: sandbox))
            let betKey = h.nextKey()
            let rollbackKey = h.nextKey()
            let rollback = try await h.apply(.rollback(of: betKey), key: rollbackKey)
            #expect(rollback.code == .referenceNotFound)
            #expect(rollback.balances == Balances(real: 5_000, bonus: 0, locked: 0))
            let replay = try await h.apply(.rollback(of: betKey), key: rollbackKey)
            #expect(replay.code == .referenceNotFound)
            #expect(replay.replayed)
            let lateBet = try await h.apply(.bet(units: 100, house: games), key: betKey)
            #expect(lateBet.code == .alreadyRolledBack)
            #expect(try await h.balances() == Balances(real: 5_000, bonus: 0, locked: 0))
            #expect(try await h.apply(.win(units: 100, house: games, bet: betKey)).code == .alreadyRolledBack)
        }
    }

    @Test func winsCreditRealAndAWinForAnUnknownBetIsRefused() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: sandbox))
            let betKey = h.nextKey()
            try await h.apply(.bet(units: 400, house: games), key: betKey)
            let win = try await h.apply(.win(units: 1_000, house: games, bet: betKey))
            #expect(win.balances == Balances(real: 1_600, bonus: 0, locked: 0))
            let before = try await h.rowCounts()
            #expect(
                try await h.apply(.win(units: 10, house: games, bet: IdempotencyKey(scope: "test", key: "never"))).code
                    == .referenceNotFound)
            #expect(try await h.apply(.win(units: 10, house: games, bet: betKey), currency: "USD").code == .currencyMismatch)
            #expect(try await h.apply(.win(units: 10, house: games, bet: betKey), player: 2).code == .referenceNotFound)
            #expect(try await h.rowCounts() == before)
        }
    }

    @Test func refusalsWriteNothing() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: sandbox))
            let before = try await h.rowCounts()
            #expect(try await h.apply(.bet(units: 1_001, house: games)).code == .insufficientFunds)
            #expect(try await h.apply(.bet(units: 0, house: games)).code == .invalidAmount)
            #expect(try await h.apply(.deposit(units: -1, gateway: sandbox)).code == .invalidAmount)
            #expect(try await h.apply(.deposit(units: 1, gateway: sandbox), currency: "XXX").code == .unknownCurrency)
            #expect(try await h.apply(.withdrawalHold(units: 1_001)).code == .insufficientFunds)
            #expect(try await h.apply(.adjustment(units: -1_001)).code == .insufficientFunds)
            #expect(try await h.apply(.bonusConvert(units: 1)).code == .insufficientFunds)
            #expect(try await h.apply(.rollback(of: IdempotencyKey(scope: "test", key: "op-1"))).code == .notReversible)
            #expect(try await h.rowCounts() == before)
        }
    }

    @Test func creditsBeyondInt64AreRefused() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: .max, gateway: sandbox))
            let before = try await h.rowCounts()
            #expect(try await h.apply(.deposit(units: 1, gateway: sandbox)).code == .amountOverflow)
            #expect(try await h.rowCounts() == before)
            #expect(try await h.balances().real == .max)
        }
    }

    @Test func aWithdrawalHoldIsPostedOrVoidedExactlyOnce() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 10_000, gateway: sandbox))
            let hold = h.nextKey()
            #expect(try await h.apply(.withdrawalHold(units: 4_000), key: hold).balances == Balances(real: 6_000, bonus: 0, locked: 4_000))
            #expect(try await h.apply(.bet(units: 6_001, house: games)).code == .insufficientFunds, "locked money cannot be staked")
            let post = try await h.apply(.withdrawalPost(hold: hold, gateway: sandbox))
            #expect(post.balances == Balances(real: 6_000, bonus: 0, locked: 0))
            #expect(try await h.apply(.withdrawalVoid(hold: hold)).code == .alreadySettled)
            let second = h.nextKey()
            try await h.apply(.withdrawalHold(units: 1_000), key: second)
            #expect(try await h.apply(.withdrawalVoid(hold: second)).balances == Balances(real: 6_000, bonus: 0, locked: 0))
            #expect(try await h.apply(.withdrawalPost(hold: second, gateway: sandbox)).code == .alreadySettled)
        }
    }

    @Test func bonusesAreGrantedConvertedAndForfeited() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.bonusGrant(units: 1_000))
            #expect(try await h.apply(.bonusConvert(units: 300)).balances == Balances(real: 300, bonus: 700, locked: 0))
            #expect(try await h.apply(.bonusForfeit(units: 700)).balances == Balances(real: 300, bonus: 0, locked: 0))
        }
    }

    @Test func adjustmentsCreditAndDebit() async throws {
        try await LedgerHarness.with { h in
            let credit = try await h.apply(.adjustment(units: 2_500))
            #expect(credit.balances?.real == 2_500)
            let debit = try await h.apply(.adjustment(units: -500))
            #expect(debit.balances?.real == 2_000)
        }
    }

    @Test func everyTransactionHasOneOutboxEventWithItsBalances() async throws {
        try await LedgerHarness.with { h in
            let outcome = try await h.apply(.deposit(units: 1_234, gateway: sandbox))
            let rows = try await h.database.withConnection { connection in
                try await connection.query(
                    "SELECT subject, (payload->>'transactionId')::bigint, (payload->'balance'->>'real')::bigint FROM outbox",
                    logger: TestServices.logger
                ).collect()
            }
            #expect(rows.count == 1)
            let (subject, transactionID, real) = try rows[0].decode((String, Int64, Int64).self)
            #expect(subject == "croupier.ledger.deposit")
            #expect(transactionID == outcome.transactionID)
            #expect(real == 1_234)
        }
    }

    @Test func ledgerRowsCannotBeChanged() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: sandbox))
            for statement in [
                "UPDATE ledger_transfers SET amount = 1", "DELETE FROM ledger_transactions",
                "UPDATE ledger_transactions SET real_after = 0",
            ] {
                await #expect(throws: PSQLError.self) {
                    try await h.database.withConnection {
                        try await $0.query(PostgresQuery(unsafeSQL: statement), logger: TestServices.logger).collect()
                    }
                }
            }
            await #expect(throws: PSQLError.self, "the database refuses a negative player balance too") {
                try await h.database.withConnection {
                    try await $0.query("UPDATE ledger_accounts SET balance = -1 WHERE player_id = 1", logger: TestServices.logger).collect()
                }
            }
        }
    }

    @Test func theAuditorFindsATamperedTransfer() async throws {
        try await TestDatabase.with { database in
            let ledger = Ledger(database: database, logger: TestServices.logger)
            _ = try await ledger.apply(
                LedgerOperation(
                    key: .init(scope: "test", key: "d"), player: PlayerID(1), currency: "EUR",
                    movement: .deposit(units: 1_000, gateway: sandbox)))
            try await database.withConnection { connection in
                try await connection.query(
                    "ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfers_immutable", logger: TestServices.logger
                ).collect()
                try await connection.query("UPDATE ledger_transfers SET amount = 999", logger: TestServices.logger).collect()
            }
            let findings = try await LedgerAuditor(database: database, logger: TestServices.logger).run()
            let violated = Set(findings.filter { $0.violations > 0 }.map(\.invariant))
            #expect(violated.isSuperset(of: [2, 4]))
            #expect(findings.map(\.invariant) == Array(1...10))
        }
    }
}

@Suite struct LedgerConcurrencyTests {
    @Test func sixtyFourTasksSpendingFromOnePlayerNeverOverdraw() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 10_000, gateway: .payments("sandbox")))
            let ledger = h.ledger
            let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                for task in 0..<64 {
                    group.addTask {
                        try await ledger.apply(
                            LedgerOperation(
                                key: IdempotencyKey(scope: "test", key: "spend-\(task)"), player: PlayerID(1), currency: "EUR",
                                movement: .bet(units: 300, house: .games("originals"))))
                    }
                }
                return try await group.reduce(into: [Outcome]()) { $0.append($1) }
            }
            let accepted = outcomes.filter { $0.code == .ok }.count
            let refused = outcomes.filter { $0.code == .insufficientFunds }.count
            #expect(accepted == 33, "10,000 / 300 = 33 bets fit")
            #expect(refused == 31)
            #expect(try await h.balances() == Balances(real: 10_000 - 33 * 300, bonus: 0, locked: 0))
            #expect(outcomes.compactMap(\.balances).allSatisfy { $0.real >= 0 })
        }
    }

    @Test func concurrentTwinsOfOneOperationApplyOnce() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 10_000, gateway: .payments("sandbox")))
            let ledger = h.ledger
            let operation = LedgerOperation(
                key: .init(scope: "test", key: "twin"), player: PlayerID(1), currency: "EUR",
                movement: .bet(units: 250, house: .games("originals")))
            let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                for _ in 0..<16 { group.addTask { try await ledger.apply(operation) } }
                return try await group.reduce(into: [Outcome]()) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { $0.code == .ok && $0.sameResult(as: outcomes[0]) })
            #expect(outcomes.filter { !$0.replayed }.count == 1)
            #expect(try await h.balances().real == 9_750)
        }
    }
}
