import Core
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// A chargeback takes a deposit back from real money only, never below zero; what real lacks
/// becomes the player's debt, which their next deposits pay first.
@Suite struct ChargebackTests {
    let games = HouseAccount.games("acme")
    let sandbox = HouseAccount.payments("sandbox")

    @Test func aChargebackRealCoversTakesItBack() async throws {
        try await LedgerHarness.with { h in
            let deposit = h.nextKey()
            try await h.apply(.deposit(units: 5_000, gateway: sandbox), key: deposit)
            try await h.apply(.bet(units: 1_000, house: games))
            let chargeback = try await h.apply(.chargeback(units: 3_000, gateway: sandbox, deposit: deposit))
            #expect(chargeback.code == .ok)
            #expect(chargeback.balances == Balances(real: 1_000, bonus: 0, locked: 0))
            #expect(try await h.ledger.debts(of: PlayerID(1)) == [:])
            #expect(try await h.accountCount(kind: "debt") == 0, "no debt, no debt account")
            #expect(try await h.houseBalance("payments:sandbox") == -2_000)
        }
    }

    @Test func whatRealDoesNotCoverBecomesADebtThatTheNextDepositsPay() async throws {
        try await LedgerHarness.with { h in
            let deposit = h.nextKey()
            try await h.apply(.deposit(units: 5_000, gateway: sandbox), key: deposit)
            try await h.apply(.withdrawalHold(units: 1_000))
            try await h.apply(.bonusGrant(units: 700))
            try await h.apply(.bet(units: 3_500, house: games))
            #expect(try await h.balances() == Balances(real: 500, bonus: 700, locked: 1_000))

            let chargeback = try await h.apply(.chargeback(units: 5_000, gateway: sandbox, deposit: deposit))
            #expect(chargeback.code == .ok)
            #expect(chargeback.balances == Balances(real: 0, bonus: 700, locked: 1_000), "bonus and held money are not taken")
            #expect(try await h.ledger.debts(of: PlayerID(1)) == ["EUR": 4_500])
            #expect(try await h.ledger.balances(of: PlayerID(1)) == ["EUR": Balances(real: 0, bonus: 700, locked: 1_000)])
            #expect(try await h.houseBalance("payments:sandbox") == 0)

            let partly = try await h.apply(.deposit(units: 3_000, gateway: sandbox))
            #expect(partly.balances == Balances(real: 0, bonus: 700, locked: 1_000))
            #expect(try await h.ledger.debts(of: PlayerID(1)) == ["EUR": 1_500])
            let fully = try await h.apply(.deposit(units: 2_000, gateway: sandbox))
            #expect(fully.balances == Balances(real: 500, bonus: 700, locked: 1_000))
            #expect(try await h.ledger.debts(of: PlayerID(1)) == [:])
            #expect(try await h.apply(.deposit(units: 100, gateway: sandbox)).balances?.real == 600, "nothing owed, nothing settled")

            let history = try await h.ledger.history(of: PlayerID(1), filter: HistoryFilter(kinds: ["deposit"]))
            #expect(history.entries.map(\.delta.real) == [100, 500, 0, 5_000], "a deposit records what reached real")
            let events = try await h.database.withConnection { connection in
                try await connection.query(
                    """
                    SELECT (payload->'delta'->>'debt')::bigint, (payload->'balance'->>'debt')::bigint FROM outbox
                     WHERE subject IN ('croupier.ledger.deposit', 'croupier.ledger.chargeback') ORDER BY (payload->>'transactionId')::bigint
                    """, logger: TestServices.logger
                ).collect().map { try $0.decode((Int64?, Int64?).self) }
            }
            #expect(events.map(\.0) == [nil, -4_500, 3_000, 1_500, nil], "an event names the debt only when it moved")
            #expect(events.map(\.1) == [nil, -4_500, -1_500, 0, nil])
        }
    }

    @Test func chargebacksOfOneDepositTakeBackNoMoreThanIt() async throws {
        try await LedgerHarness.with { h in
            let deposit = h.nextKey()
            try await h.apply(.deposit(units: 1_000, gateway: sandbox), key: deposit)
            #expect(try await h.apply(.chargeback(units: 600, gateway: sandbox, deposit: deposit)).code == .ok)
            let before = try await h.rowCounts()
            let refused = try await h.apply(.chargeback(units: 401, gateway: sandbox, deposit: deposit))
            #expect(refused.code == .invalidAmount)
            #expect(refused.balances == Balances(real: 400, bonus: 0, locked: 0))
            #expect(try await h.rowCounts() == before)
            #expect(try await h.apply(.chargeback(units: 400, gateway: sandbox, deposit: deposit)).code == .ok)
            #expect(try await h.apply(.chargeback(units: 1, gateway: sandbox, deposit: deposit)).code == .invalidAmount)

            // A deposit that paid a debt was deposited in full: all of it may be charged back.
            let first = h.nextKey()
            try await h.apply(.deposit(units: 100, gateway: sandbox), player: 2, key: first)
            try await h.apply(.bet(units: 100, house: games), player: 2)
            try await h.apply(.chargeback(units: 100, gateway: sandbox, deposit: first), player: 2)
            let second = h.nextKey()
            try await h.apply(.deposit(units: 300, gateway: sandbox), player: 2, key: second)
            #expect(try await h.balances(2) == Balances(real: 200, bonus: 0, locked: 0))
            #expect(try await h.apply(.chargeback(units: 301, gateway: sandbox, deposit: second), player: 2).code == .invalidAmount)
            #expect(try await h.apply(.chargeback(units: 300, gateway: sandbox, deposit: second), player: 2).code == .ok)
            #expect(try await h.ledger.debts(of: PlayerID(2)) == ["EUR": 100])
        }
    }

    @Test func aChargebackNamingAnythingButThePlayersOwnDepositIsRefusedAndWritesNothing() async throws {
        try await LedgerHarness.with { h in
            let deposit = h.nextKey()
            try await h.apply(.deposit(units: 1_000, gateway: sandbox), key: deposit)
            let bet = h.nextKey()
            try await h.apply(.bet(units: 1_000, house: games), key: bet)
            let otherDeposit = h.nextKey()
            try await h.apply(.deposit(units: 1_000, gateway: sandbox), player: 2, key: otherDeposit)
            let before = try await h.rowCounts()
            let accounts = try await h.scalar("SELECT count(*)::bigint FROM ledger_accounts")

            func chargeback(_ units: Int64, _ named: IdempotencyKey, player: Int64 = 1, currency: String = "EUR") async throws -> Outcome {
                try await h.ledger.apply(
                    LedgerOperation(
                        key: IdempotencyKey(scope: "test", key: "refused"), player: PlayerID(player), currency: currency,
                        movement: .chargeback(units: units, gateway: sandbox, deposit: named)))
            }
            #expect(try await chargeback(500, bet).code == .notReversible)
            #expect(try await chargeback(500, otherDeposit).code == .referenceNotFound)
            #expect(try await chargeback(500, IdempotencyKey(scope: "test", key: "never")).code == .referenceNotFound)
            #expect(try await chargeback(500, deposit, currency: "USD").code == .currencyMismatch)
            #expect(try await chargeback(500, deposit, player: 3).code == .referenceNotFound, "a stranger opens no accounts")
            #expect(try await chargeback(0, deposit).code == .invalidAmount)
            #expect(try await chargeback(-1, deposit).code == .invalidAmount)
            #expect(try await chargeback(500, deposit, currency: "XXX").code == .unknownCurrency)
            #expect(try await h.rowCounts() == before)
            #expect(try await h.scalar("SELECT count(*)::bigint FROM ledger_accounts") == accounts, "no debt account was opened")
            #expect(try await h.ledger.debts(of: PlayerID(1)) == [:])
        }
    }

    @Test func aReplayReturnsTheFirstOutcomeAndMovesNothing() async throws {
        try await LedgerHarness.with { h in
            let deposit = h.nextKey()
            try await h.apply(.deposit(units: 1_000, gateway: sandbox), key: deposit)
            try await h.apply(.bet(units: 800, house: games))
            let key = h.nextKey()
            let first = try await h.apply(.chargeback(units: 500, gateway: sandbox, deposit: deposit), key: key)
            #expect(first.balances == Balances(real: 0, bonus: 0, locked: 0))
            try await h.apply(.deposit(units: 100, gateway: sandbox))
            #expect(try await h.ledger.debts(of: PlayerID(1)) == ["EUR": 200])

            let before = try await h.rowCounts()
            let replay = try await h.apply(.chargeback(units: 500, gateway: sandbox, deposit: deposit), key: key)
            #expect(replay.replayed && replay.sameResult(as: first))
            #expect(try await h.apply(.chargeback(units: 400, gateway: sandbox, deposit: deposit), key: key).code == .duplicateMismatch)
            #expect(try await h.apply(.chargeback(units: 500, gateway: games, deposit: deposit), key: key).code == .duplicateMismatch)
            #expect(try await h.rowCounts() == before)
            #expect(try await h.ledger.debts(of: PlayerID(1)) == ["EUR": 200])
        }
    }

    @Test func theDatabaseRefusesAPositiveDebt() async throws {
        try await LedgerHarness.with { h in
            let deposit = h.nextKey()
            try await h.apply(.deposit(units: 1_000, gateway: sandbox), key: deposit)
            try await h.apply(.bet(units: 1_000, house: games))
            try await h.apply(.chargeback(units: 10, gateway: sandbox, deposit: deposit))
            await #expect(throws: PSQLError.self) {
                try await h.database.withConnection {
                    try await $0.query("UPDATE ledger_accounts SET balance = 1 WHERE balance_kind = 'debt'", logger: TestServices.logger)
                        .collect()
                }
            }
        }
    }
}

@Suite struct ChargebackConcurrencyTests {
    /// Bets and a chargeback racing on one player: each sees the other's result under the
    /// player's lock, so whatever order they ran in, real never goes below zero and what the
    /// chargeback did not take is owed.
    @Test func aChargebackRacingBetsOnOnePlayerStaysConsistent() async throws {
        try await LedgerHarness.with { h in
            let deposit = IdempotencyKey(scope: "test", key: "deposit")
            try await h.apply(.deposit(units: 10_000, gateway: .payments("sandbox")), key: deposit)
            let ledger = h.ledger
            let chargebackOperation = LedgerOperation(
                key: IdempotencyKey(scope: "test", key: "chargeback"), player: PlayerID(1), currency: "EUR",
                movement: .chargeback(units: 6_000, gateway: .payments("sandbox"), deposit: deposit))
            async let racingChargeback = ledger.apply(chargebackOperation)
            let bets = try await withThrowingTaskGroup(of: Outcome.self) { group in
                for task in 0..<32 {
                    group.addTask {
                        try await ledger.apply(
                            LedgerOperation(
                                key: IdempotencyKey(scope: "test", key: "bet-\(task)"), player: PlayerID(1), currency: "EUR",
                                movement: .bet(units: 300, house: .games("acme"))))
                    }
                }
                return try await group.reduce(into: [Outcome]()) { $0.append($1) }
            }
            let chargeback = try await racingChargeback
            #expect(chargeback.code == .ok)
            #expect(bets.count == 32)
            #expect(bets.allSatisfy { $0.code == .ok || $0.code == .insufficientFunds })
            let accepted = Int64(bets.filter { $0.code == .ok }.count)
            let real = try await h.balances().real
            let owed = try await h.ledger.debts(of: PlayerID(1))["EUR"] ?? 0
            #expect(real >= 0)
            #expect(real + accepted * 300 + (6_000 - owed) == 10_000, "every unit is a bet, taken back, or still real")
            #expect(owed == 0 || real < 300, "a debt only when the chargeback found real short, after which no bet fits")
            #expect((bets + [chargeback]).compactMap(\.balances).allSatisfy { $0.real >= 0 })
        }
    }

    @Test func concurrentChargebacksOfOneDepositTakeBackNoMoreThanIt() async throws {
        try await LedgerHarness.with { h in
            let deposit = IdempotencyKey(scope: "test", key: "deposit")
            try await h.apply(.deposit(units: 1_000, gateway: .payments("sandbox")), key: deposit)
            let ledger = h.ledger
            let codes = try await withThrowingTaskGroup(of: ResultCode.self) { group in
                for task in 0..<8 {
                    group.addTask {
                        try await ledger.apply(
                            LedgerOperation(
                                key: IdempotencyKey(scope: "test", key: "chargeback-\(task)"), player: PlayerID(1), currency: "EUR",
                                movement: .chargeback(units: 300, gateway: .payments("sandbox"), deposit: deposit))
                        ).code
                    }
                }
                return try await group.reduce(into: [ResultCode]()) { $0.append($1) }
            }
            #expect(codes.filter { $0 == .ok }.count == 3)
            #expect(codes.filter { $0 == .invalidAmount }.count == 5)
            #expect(try await h.balances().real == 100)
        }
    }
}
