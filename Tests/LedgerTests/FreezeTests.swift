import Core
import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// Compliance freezes: `freeze` sets real money aside in `locked` with a reason, `unfreeze`
/// returns exactly what one freeze set aside, once; `locked` stays its open holds and freezes.
@Suite struct FreezeTests {
    let sandbox = HouseAccount.payments("sandbox")

    @Test func aFreezeLocksRealMoneyAndItsUnfreezeReturnsItOnce() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 10_000, gateway: sandbox))
            let freeze = h.nextKey("compliance")
            let frozen = try await h.apply(.freeze(units: 7_000), key: freeze, metadata: ["reason": "case 1: source of funds"])
            #expect(frozen.code == .ok)
            #expect(frozen.balances == Balances(real: 3_000, bonus: 0, locked: 7_000))
            let recorded = try await h.ledger.operation(freeze)
            #expect(recorded?.kind == "freeze")
            #expect(recorded?.metadata["reason"] == "case 1: source of funds")

            // Frozen money cannot be bet, held for a withdrawal or adjusted away.
            #expect(try await h.apply(.bet(units: 3_001, house: .games("acme"))).code == .insufficientFunds)
            #expect(try await h.apply(.withdrawalHold(units: 3_001)).code == .insufficientFunds)

            let unfreezeKey = h.nextKey("compliance")
            let unfrozen = try await h.apply(.unfreeze(freeze: freeze), key: unfreezeKey)
            #expect(unfrozen.code == .ok)
            #expect(unfrozen.balances == Balances(real: 10_000, bonus: 0, locked: 0))

            let before = try await h.rowCounts()
            let replay = try await h.apply(.unfreeze(freeze: freeze), key: unfreezeKey)
            #expect(replay.replayed && replay.sameResult(as: unfrozen))
            let second = try await h.apply(.unfreeze(freeze: freeze))
            #expect(second.code == .alreadySettled)
            #expect(second.balances == Balances(real: 10_000, bonus: 0, locked: 0))
            #expect(try await h.rowCounts() == before)
        }
    }

    @Test func aFreezeBeyondRealMoneyOrOfNothingIsRefusedAndWritesNothing() async throws {
        try await LedgerHarness.with { h in
            let accounts = try await h.accountCount(kind: "locked")
            #expect(try await h.apply(.freeze(units: 1)).code == .insufficientFunds)
            #expect(try await h.accountCount(kind: "locked") == accounts, "a refusal opens no accounts")
            try await h.apply(.deposit(units: 500, gateway: sandbox))
            try await h.apply(.bonusGrant(units: 1_000))
            let before = try await h.rowCounts()
            let refused = try await h.apply(.freeze(units: 501))
            #expect(refused.code == .insufficientFunds, "bonus money is not frozen")
            #expect(refused.balances == Balances(real: 500, bonus: 1_000, locked: 0))
            #expect(try await h.apply(.freeze(units: 0)).code == .invalidAmount)
            #expect(try await h.apply(.freeze(units: -5)).code == .invalidAmount)
            #expect(try await h.rowCounts() == before)
        }
    }

    @Test func anUnfreezeNamesOnlyAFreezeOfTheSamePlayerAndCurrency() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: sandbox))
            try await h.apply(.deposit(units: 1_000, gateway: sandbox), currency: "USD")
            try await h.apply(.deposit(units: 1_000, gateway: sandbox), player: 2)
            let hold = h.nextKey()
            try await h.apply(.withdrawalHold(units: 100), key: hold)
            let freeze = h.nextKey()
            try await h.apply(.freeze(units: 200), key: freeze)
            let before = try await h.rowCounts()
            #expect(try await h.apply(.unfreeze(freeze: hold)).code == .notReversible)
            #expect(try await h.apply(.withdrawalVoid(hold: freeze)).code == .notReversible, "a freeze is not a payout's hold")
            #expect(try await h.apply(.unfreeze(freeze: freeze), player: 2).code == .referenceNotFound)
            #expect(try await h.apply(.unfreeze(freeze: freeze), currency: "USD").code == .currencyMismatch)
            #expect(try await h.apply(.unfreeze(freeze: IdempotencyKey(scope: "test", key: "never"))).code == .referenceNotFound)
            #expect(try await h.rowCounts() == before)
            // The hold and the freeze are both in locked, and each comes back on its own.
            #expect(try await h.balances() == Balances(real: 700, bonus: 0, locked: 300))
            #expect(try await h.apply(.withdrawalVoid(hold: hold)).code == .ok)
            #expect(try await h.apply(.unfreeze(freeze: freeze)).code == .ok)
            #expect(try await h.balances() == Balances(real: 1_000, bonus: 0, locked: 0))
        }
    }

    @Test func twoConcurrentUnfreezesOfOneFreezeApplyOnce() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: sandbox))
            let freeze = h.nextKey()
            try await h.apply(.freeze(units: 400), key: freeze)
            let ledger = h.ledger
            let codes = try await withThrowingTaskGroup(of: ResultCode.self) { group in
                for index in 0..<8 {
                    group.addTask {
                        try await ledger.apply(
                            LedgerOperation(
                                key: IdempotencyKey(scope: "race", key: "unfreeze-\(index)"), player: PlayerID(1), currency: "EUR",
                                movement: .unfreeze(freeze: freeze))
                        ).code
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(codes.filter { $0 == .ok }.count == 1)
            #expect(codes.filter { $0 == .alreadySettled }.count == 7)
            #expect(try await h.balances() == Balances(real: 1_000, bonus: 0, locked: 0))
        }
    }

    @Test func turnoverAndLastActivityAreReadForCompliance() async throws {
        try await LedgerHarness.with { h in
            let start = Date(timeIntervalSinceNow: -60)
            try await h.apply(.deposit(units: 1_000, gateway: sandbox))
            try await h.apply(.bet(units: 300, house: .games("acme")))
            let rolledBack = h.nextKey()
            try await h.apply(.bet(units: 200, house: .games("acme")), key: rolledBack)
            try await h.apply(.rollback(of: rolledBack))
            try await h.apply(.bonusGrant(units: 500), currency: "USD")
            try await h.apply(.bet(units: 450, house: .games("acme")), currency: "USD")
            let ledger = h.ledger
            try await h.database.withConnection { connection in
                #expect(try await ledger.betTurnover(of: PlayerID(1), since: start, on: connection) == ["EUR": 300, "USD": 450])
                #expect(try await ledger.betTurnover(of: PlayerID(1), since: Date(timeIntervalSinceNow: 60), on: connection) == [:])
                #expect(try await ledger.betTurnover(of: PlayerID(2), since: start, on: connection) == [:])
                let last = try await ledger.lastTransaction(of: PlayerID(1), before: Date(timeIntervalSinceNow: 60), on: connection)
                #expect(last != nil && last! > start)
                #expect(try await ledger.lastTransaction(of: PlayerID(1), before: start, on: connection) == nil)
            }
        }
    }
}
