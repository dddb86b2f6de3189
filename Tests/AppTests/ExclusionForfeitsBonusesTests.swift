import Bonuses
import Compliance
import Core
import IdentityTesting
import Ledger
import Payments
import TestSupport
import Testing

@testable import App

/// The App joins Compliance and Bonuses: a time-out forfeits the running bonus, so the player's
/// bonus money goes back to the house the moment they ask to stop.
@Suite struct ExclusionForfeitsBonusesTests {
    @Test func aTimeOutForfeitsTheRunningBonus() async throws {
        try await withTestApp { _, dependencies, database in
            let player = PlayerID(7)
            try await SyntheticPlayers.create(ids: [player.rawValue], database: database, logger: TestServices.logger)
            let campaign = try await dependencies.bonusCampaigns.create(
                CampaignTerms(
                    name: "Fixed", currency: "EUR", kind: .fixed, matchPercent: nil, amountUnits: 1_000_000, eligibility: .firstDeposit,
                    wageringMultiplier: 10, wageringBase: .bonus, maxBetUnits: nil, expiryDays: 30, maxConversionUnits: nil))
            _ = try await dependencies.bonusCampaigns.setEnabled(campaign.id, true)
            _ = try #require(try await dependencies.bonusGrants.grantManually(campaign: campaign.id, to: player, source: "test"))
            #expect(try await dependencies.ledger.balances(of: player)["EUR"]?.bonus == 1_000_000)

            _ = try await dependencies.protection.exclude(player: player, term: .timeOut(days: 1), actor: "player:7")

            #expect(try await dependencies.bonusGrants.active(of: player).isEmpty)
            #expect(try await dependencies.ledger.balances(of: player)["EUR"]?.bonus == 0)
            let violations = try await LedgerAuditor(database: database, logger: TestServices.logger).run().filter { $0.violations != 0 }
            #expect(violations.isEmpty, "\(violations)")
        }
    }

    /// A deposit opened before a time-out and completed during it earns no bonus; the same
    /// deposit by a player not excluded does.
    @Test func aDepositCompletedDuringATimeOutEarnsNoBonus() async throws {
        try await withTestApp { _, dependencies, database in
            let (excluded, other) = (PlayerID(8), PlayerID(9))
            try await SyntheticPlayers.create(ids: [excluded.rawValue, other.rawValue], database: database, logger: TestServices.logger)
            let campaign = try await dependencies.bonusCampaigns.create(
                CampaignTerms(
                    name: "Welcome", currency: "EUR", kind: .depositMatch, matchPercent: 100, amountUnits: 5_000_000,
                    eligibility: .firstDeposit, wageringMultiplier: 10, wageringBase: .bonus, maxBetUnits: nil, expiryDays: 30,
                    maxConversionUnits: nil))
            _ = try await dependencies.bonusCampaigns.setEnabled(campaign.id, true)
            _ = try await dependencies.protection.exclude(player: excluded, term: .timeOut(days: 1), actor: "player:8")
            let observer = DepositBonusObserver(
                bonuses: dependencies.depositBonuses, protection: dependencies.protection, segments: dependencies.playerSegments)
            try await database.withTransaction(logger: TestServices.logger) { connection in
                for player in [excluded, other] {
                    try await observer.depositCompleted(
                        CompletedDeposit(
                            id: "dep-\(player.rawValue)", player: player, currency: "EUR", units: 1_000_000, firstDeposit: true),
                        on: connection)
                }
            }
            #expect(try await dependencies.bonusGrants.active(of: excluded).isEmpty)
            #expect(try await dependencies.bonusGrants.active(of: other).count == 1)
        }
    }
}
