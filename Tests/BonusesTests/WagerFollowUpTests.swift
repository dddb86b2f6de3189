import Bonuses
import Core
import Ledger
import Testing

@Suite struct WagerFollowUpTests {
    /// A bet whose hook arguments lack the stake fails as a whole (migration 0059): read as NULL,
    /// the stake had marked the running bonus fully wagered, ready to convert into real money.
    @Test func aBetWithoutItsStakeArgumentFailsAndLeavesWageringAlone() async throws {
        try await BonusHarness.with { harness in
            _ = try await harness.depositMatch()
            try #require(try await harness.deposit(50) != nil)
            _ = try await harness.bet(10)
            let before = try #require(try await harness.running())
            #expect(before.wageredUnits == 10 * BonusHarness.euro)
            let balances = try await harness.balances()
            let stakeless = LedgerOperation(
                key: harness.key(), player: harness.player, currency: "EUR",
                movement: .bet(units: 5 * BonusHarness.euro, house: .games("acme")))
            await #expect(throws: (any Error).self) {
                try await harness.ledger.apply(
                    stakeless, checks: [], followUps: [BonusHooks.recordWager], hookArguments: ["currency": "EUR", "game": "slot-fruits"])
            }
            let after = try #require(try await harness.running())
            #expect(after.wageredUnits == before.wageredUnits)
            #expect(!after.wageringMet)
            #expect(try await harness.balances() == balances, "the bet was not applied")
        }
    }
}
