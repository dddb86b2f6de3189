import Bonuses
import Core
import Ledger
import TestSupport
import Testing

@testable import Games

/// Other contexts' hooks in a Hub88 bet, as App composes them (here Bonuses'): the maximum-bet
/// check refuses before the ledger with RS_ERROR_NOT_ENOUGH_MONEY, the wagering follow-up counts
/// an applied bet once (not its retry), a win runs no bet follow-up, and a bet's rollback takes
/// its part back.
@Suite struct Hub88WalletHooksTests {
    static let hooks = WalletHooks(betChecks: [BonusHooks.maxBetCheck], betFollowUps: [BonusHooks.recordWager])

    @Test func aRunningBonusCapsTheStakeAndCountsEachBetOnce() async throws {
        try await Hub88Harness.with(hooks: Self.hooks) { harness in
            let player = try await harness.player()
            let campaigns = Campaigns(database: harness.database, ledger: harness.ledger, logger: TestServices.logger)
            let created = try await campaigns.create(
                CampaignTerms(
                    name: "Reload", currency: "EUR", kind: .fixed, matchPercent: nil, amountUnits: 1_000_000, eligibility: .firstDeposit,
                    wageringMultiplier: 5, wageringBase: .bonus, maxBetUnits: 500_000, expiryDays: 7, maxConversionUnits: nil))
            _ = try await campaigns.setEnabled(created.id, true)
            let grants = Grants(database: harness.database, ledger: harness.ledger, logger: TestServices.logger)
            _ = try #require(try await grants.grantManually(campaign: created.id, to: player, source: "test:\(player)"))
            let token = try await harness.launch(player, with: "acme")
            let before = try await harness.balance(player)

            let tooLarge = try await harness.call(.bet, "acme", harness.bet(player, token: token, amount: 500_001))
            #expect(tooLarge.status == .notEnoughMoney)
            #expect(try await harness.balance(player) == before, "the refused stake moved nothing")

            let bet = harness.bet(player, token: token, amount: 500_000)
            #expect(try await harness.call(.bet, "acme", bet).status == .ok)
            #expect(try await harness.call(.bet, "acme", bet).status == .ok, "a retry answers the same")
            #expect(try await harness.call(.win, "acme", harness.win(of: bet, amount: 700_000)).status == .ok)
            #expect(try await grants.active(of: player).first?.wageredUnits == 500_000, "counted once, the win not at all")

            let undone = harness.bet(player, token: token, amount: 300_000)
            #expect(try await harness.call(.bet, "acme", undone).status == .ok)
            #expect(try await grants.active(of: player).first?.wageredUnits == 800_000)
            #expect(try await harness.call(.rollback, "acme", harness.rollback(of: undone)).status == .ok)
            #expect(try await grants.active(of: player).first?.wageredUnits == 500_000, "the rollback took its bet's part back")
        }
    }
}
