import Core
import Testing

@testable import Ledger

/// `referenceView(of:player:currency:)` answers in one statement what `operation(_:)`,
/// `rollbackState(of:)` and `balances(of:)` answer apart.
@Suite struct ReferenceViewTests {
    let games = HouseAccount.games("acme")

    @Test func itAgreesWithTheSeparateLookupsThroughABetsLife() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: .payments("sandbox")))
            let bet = h.nextKey()
            try await expectAgreement(h, bet, player: 1)
            try await h.apply(.bet(units: 300, house: games), key: bet, metadata: ["round": "r1"])
            let view = try await expectAgreement(h, bet, player: 1)
            #expect(view.operation?.units == 300 && view.operation?.metadata == ["round": "r1"])
            #expect(view.balances == Balances(real: 700, bonus: 0, locked: 0))
            try await h.apply(.rollback(of: bet))
            #expect(try await expectAgreement(h, bet, player: 1).rollback == .rolledBack)
            #expect(try await expectAgreement(h, bet, player: 2).balances == .zero)
        }
    }

    @Test func aKeyRolledBackBeforeItsBetIsRefusedInAdvance() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: .payments("sandbox")))
            let bet = h.nextKey()
            try await h.apply(.rollback(of: bet))
            let view = try await expectAgreement(h, bet, player: 1)
            #expect(view.operation == nil && view.rollback == .refusedInAdvance)
        }
    }

    @discardableResult
    func expectAgreement(_ h: LedgerHarness, _ key: IdempotencyKey, player: Int64) async throws -> Ledger.ReferenceView {
        let view = try await h.ledger.referenceView(of: key, player: PlayerID(player), currency: "EUR")
        #expect(view.operation == (try await h.ledger.operation(key)))
        #expect(view.rollback == (try await h.ledger.rollbackState(of: key)))
        #expect(view.balances == (try await h.balances(player)))
        return view
    }
}
