import Bonuses
import Core
import Foundation
import Ledger
import TestSupport
import Testing

/// Free-spin campaigns (docs/bonuses.md "Free spins"): spins awarded at the provider, their wins
/// credited as the grant's bonus money with wagering on the winnings, and the spins cancelled
/// when the grant ends before them. Amounts in cents of a euro (1 000 units).
@Suite struct FreeSpinsTests {
    static let cent: Int64 = 1_000

    func campaign(_ h: BonusHarness, code: String? = "SPINS10") async throws -> Campaign {
        let campaign = try await h.campaigns.create(
            CampaignTerms(
                name: "Ten spins", currency: "EUR", kind: .freeSpins, matchPercent: nil, amountUnits: 20 * Self.cent,
                eligibility: code.map { .code($0) } ?? .firstDeposit, wageringMultiplier: 2, wageringBase: .bonus, maxBetUnits: nil,
                expiryDays: 7, maxConversionUnits: 50 * BonusHarness.euro, freeSpins: FreeSpinTerms(spins: 10, game: "slot", days: 3)))
        return try #require(try await h.campaigns.setEnabled(campaign.id, true))
    }

    func eur(_ h: BonusHarness) async throws -> Balances { try await h.ledger.balances(of: h.player)["EUR"] ?? .zero }

    /// The worked example of docs/bonuses.md "Free spins".
    @Test func spinsAreAwardedAtTheProviderAndTheirWinsBecomeAWageredBonus() async throws {
        try await BonusHarness.with { h in
            _ = try await campaign(h)
            try await h.deposits.enterCode("spins10", player: h.player, currency: "EUR", segments: [])
            let grant = try #require(try await h.deposit(20))
            #expect(grant.units == 0 && grant.requiredUnits == 0, "free spins grant no money")
            let reward = Grants.reward(ofGrant: grant.id)
            #expect(
                h.rewards.awards == [
                    FreeRoundsAward(
                        reward: reward, player: h.player, game: "slot", currency: "EUR", rounds: 10, stakeUnits: 20 * Self.cent,
                        validUntil: h.clock.now().addingTimeInterval(3 * 86_400))
                ])

            let wins = FreeSpinWins(grants: h.grants)
            func credit(_ transaction: String, _ units: Int64, reward: String = reward, player: PlayerID? = nil) async throws
                -> FreeSpinWins.Outcome
            {
                try await wins.credit(
                    provider: "originals", transaction: transaction, reward: reward, player: player ?? h.player, currency: "EUR",
                    units: units)
            }
            #expect(try await credit("spin-1-win", 150 * Self.cent) == .credited)
            #expect(try await credit("spin-1-win", 150 * Self.cent) == .replayed, "a retried win pays once")
            #expect(try await credit("spin-1-win", 1) == .mismatch, "the same win with another amount")
            #expect(try await credit("spin-2-win", 350 * Self.cent) == .credited)
            #expect(try await credit("promo-win", 100 * Self.cent, reward: "supplier-promo-1") == .notOurs)
            #expect(try await credit("other-win", 100 * Self.cent, player: PlayerID(8)) == .notOurs, "another player's reward")
            var balances = try await eur(h)
            #expect(balances.real == 20 * BonusHarness.euro)
            #expect(balances.bonus == 500 * Self.cent)
            var running = try #require(try await h.running())
            #expect(running.units == 500 * Self.cent)
            #expect(running.requiredUnits == 1_000 * Self.cent, "×2 of the winnings")

            #expect(try await h.grants.settleDue() == 0, "spins still open: nothing to settle")
            h.rewards.playAll(reward)
            #expect(try await h.grants.settleDue() == 0, "the spins are over; the grant goes on as a wagering bonus")
            #expect(try await h.grants.freeSpins(of: h.player).map(\.left) == [0])
            _ = try await h.bet(10)
            running = try #require(try await h.running())
            #expect(running.wageringMet)
            #expect(try await h.grants.settleDue() == 1)
            balances = try await eur(h)
            #expect(balances.real == 15 * BonusHarness.euro, "10 left of the deposit, and the 5.00 the spins won")
            #expect(balances.bonus == 0)
            #expect(h.rewards.cancelled.isEmpty)
        }
    }

    @Test func spinsThatWinNothingEndTheGrantWithNothingOnceTheyAreOver() async throws {
        try await BonusHarness.with { h in
            let campaign = try await campaign(h, code: nil)
            let grant = try #require(try await h.grants.grantManually(campaign: campaign.id, to: h.player, source: "manual:1"))
            #expect(grant.wageringMet, "nothing won, nothing to wager")
            #expect(try await h.grants.settleDue() == 0, "but the spins may still win")
            #expect(try await h.running()?.id == grant.id)
            h.rewards.playAll(Grants.reward(ofGrant: grant.id))
            #expect(try await h.grants.settleDue() == 1)
            let ended = try #require(try await h.grants.history(of: h.player).first)
            #expect(ended.state == .converted && ended.convertedUnits == 0 && ended.forfeitedUnits == 0)
            #expect(try await h.balances() == (0, 0))
        }
    }

    @Test func expiredSpinsAreCancelledAndTheGrantGoesOnWithTheirWinnings() async throws {
        try await BonusHarness.with { h in
            let campaign = try await campaign(h, code: nil)
            let grant = try #require(try await h.grants.grantManually(campaign: campaign.id, to: h.player, source: "manual:1"))
            let reward = Grants.reward(ofGrant: grant.id)
            #expect(
                try await FreeSpinWins(grants: h.grants).credit(
                    provider: "originals", transaction: "w", reward: reward, player: h.player, currency: "EUR", units: 2 * BonusHarness.euro
                )
                    == .credited)
            h.clock.advance(days: 3.01)
            #expect(try await h.grants.settleDue() == 0)
            #expect(h.rewards.cancelled == [reward], "the unplayed spins are taken back at the provider")
            let running = try #require(try await h.running())
            #expect(running.units == 2 * BonusHarness.euro && running.requiredUnits == 4 * BonusHarness.euro)
            h.clock.advance(days: 4)
            #expect(try await h.grants.settleDue() == 1, "the grant itself expires at its own time")
            #expect(try await h.balances() == (0, 0))
        }
    }

    @Test func aForfeitCancelsTheUnplayedSpins() async throws {
        try await BonusHarness.with { h in
            let campaign = try await campaign(h, code: nil)
            let grant = try #require(try await h.grants.grantManually(campaign: campaign.id, to: h.player, source: "manual:1"))
            let reward = Grants.reward(ofGrant: grant.id)
            _ = try await FreeSpinWins(grants: h.grants).credit(
                provider: "originals", transaction: "w", reward: reward, player: h.player, currency: "EUR", units: BonusHarness.euro)
            let ended = try #require(try await h.grants.settle(player: h.player, currency: "EUR", .forfeit("player")))
            #expect(ended.state == .forfeited && ended.forfeitedUnits == BonusHarness.euro)
            #expect(h.rewards.cancelled == [reward])
            #expect(try await h.balances() == (0, 0))
        }
    }

    @Test func freeSpinTermsAreCheckedByName() async throws {
        try await BonusHarness.with { h in
            func terms(_ kind: Campaign.Kind, _ spins: FreeSpinTerms?) -> CampaignTerms {
                CampaignTerms(
                    name: "Spins", currency: "EUR", kind: kind, matchPercent: nil, amountUnits: 20 * Self.cent, eligibility: .firstDeposit,
                    wageringMultiplier: 30, wageringBase: .bonus, maxBetUnits: nil, expiryDays: 7, maxConversionUnits: nil,
                    freeSpins: spins)
            }
            let refused: [(Campaign.Kind, FreeSpinTerms?)] = [
                (.freeSpins, nil), (.fixed, FreeSpinTerms(spins: 10, game: "slot", days: 3)),
                (.freeSpins, FreeSpinTerms(spins: 0, game: "slot", days: 3)), (.freeSpins, FreeSpinTerms(spins: 10, game: "slot", days: 8)),
                (.freeSpins, FreeSpinTerms(spins: 10, game: "Slot!", days: 3)),
            ]
            for (kind, spins) in refused {
                await #expect(throws: CampaignProblem.freeSpins) { try await h.campaigns.create(terms(kind, spins)) }
            }
            let created = try await h.campaigns.create(terms(.freeSpins, FreeSpinTerms(spins: 10, game: "slot", days: 7)))
            #expect(try await h.campaigns.campaign(created.id)?.terms.freeSpins == FreeSpinTerms(spins: 10, game: "slot", days: 7))
        }
    }
}
