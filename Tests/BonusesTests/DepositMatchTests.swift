import Bonuses
import Core
import Ledger
import TestSupport
import Testing

/// The acceptance scenario of docs/bonuses.md, figure by figure: a 100 % deposit match up to
/// 50.00, wagered ×10 (500.00), at most 100.00 a bet, at most 50.00 converted.
@Suite struct DepositMatchTests {
    @Test func aScriptedSessionGivesTheExpectedBalancesAndConvertsAtCompletion() async throws {
        try await BonusHarness.with { h in
            _ = try await h.depositMatch()
            try await h.campaigns.setContribution(prefix: "table-", percent: 10)
            let granted = try #require(try await h.deposit(50))
            #expect(granted.units == 50 * BonusHarness.euro)
            #expect(granted.requiredUnits == 500 * BonusHarness.euro)
            #expect(try await h.balances() == (50, 50))

            let (a, _) = try await h.bet(40)  // real only
            #expect(try await h.balances() == (10, 50))
            try await h.win(100, on: a)  // a real stake wins real
            #expect(try await h.balances() == (110, 50))
            _ = try await h.bet(100)  // the maximum bet is allowed
            #expect(try await h.balances() == (10, 50))
            let (_, refused) = try await h.bet(101)
            #expect(
                refused
                    == .refused(
                        BonusHooks.maxBetRefusal, balances: Balances(real: 10 * BonusHarness.euro, bonus: 50 * BonusHarness.euro, locked: 0)
                    ),
                "above the maximum bet while wagering, answered with the balances")
            #expect(try await h.balances() == (10, 50))
            let (c, _) = try await h.bet(60)  // 10 real, 50 bonus
            #expect(try await h.balances() == (0, 0))
            try await h.win(120, on: c)  // bonus 120 × 50 / 60 = 100, real 20
            #expect(try await h.balances() == (20, 100))
            #expect(try await h.running()?.wageredUnits == 200 * BonusHarness.euro)

            let (d, _) = try await h.bet(100)  // 20 real, 80 bonus
            try await h.win(300, on: d)  // bonus 300 × 80 / 100 = 240, real 60
            #expect(try await h.balances() == (60, 260))
            _ = try await h.bet(100, game: "table-blackjack")  // counts 10 %: 10
            #expect(try await h.balances() == (0, 220))
            let (f, _) = try await h.bet(100)
            try await h.win(50, on: f)  // a bonus-only stake wins bonus
            #expect(try await h.balances() == (0, 170))
            #expect(try await h.running()?.wageredUnits == 410 * BonusHarness.euro)
            #expect(try await h.grants.settle(player: h.player, currency: "EUR") == nil, "not met yet, not expired: nothing moves")

            let (g, _) = try await h.bet(90)  // 500 wagered: met
            #expect(try await h.balances() == (0, 80))
            let converted = try #require(try await h.grants.settle(player: h.player, currency: "EUR"))
            #expect(converted.state == .converted)
            #expect(converted.convertedUnits == 50 * BonusHarness.euro, "converted up to the cap")
            #expect(converted.forfeitedUnits == 30 * BonusHarness.euro, "the rest forfeited")
            #expect(try await h.balances() == (50, 0))
            #expect(try await h.grants.settle(player: h.player, currency: "EUR") == nil, "settled once")

            // A win on a bet staked before the conversion arrives after it: its bonus share
            // follows the grant, and the cap is used up, so it is forfeited.
            try await h.win(45, on: g)
            #expect(try await h.balances() == (50, 45))
            #expect(try await h.grants.settleDue() == 1)
            #expect(try await h.balances() == (50, 0))
            let after = try #require(try await h.grants.history(of: h.player).first)
            #expect(after.forfeitedUnits == 75 * BonusHarness.euro)
            #expect(try await h.running() == nil)
        }
    }

    @Test func anExpiredBonusIsForfeitedWhenTheClockPassesItsEnd() async throws {
        try await BonusHarness.with { h in
            _ = try await h.depositMatch()
            try await h.deposit(50)
            _ = try await h.bet(70)  // 50 real, 20 bonus
            #expect(try await h.balances() == (0, 30))
            h.clock.advance(days: 29.9)
            #expect(try await h.grants.settleDue() == 0, "not yet")
            h.clock.advance(days: 0.2)
            #expect(try await h.grants.settleDue() == 1)
            #expect(try await h.balances() == (0, 0))
            let expired = try #require(try await h.grants.history(of: h.player).first)
            #expect(expired.state == .expired)
            #expect(expired.forfeitedUnits == 30 * BonusHarness.euro)
        }
    }

    @Test func aForfeitEndsTheBonusAndKeepsRealMoney() async throws {
        try await BonusHarness.with { h in
            _ = try await h.depositMatch()
            try await h.deposit(50)
            _ = try await h.bet(60)
            #expect(try await h.balances() == (0, 40))
            try await h.deposit(20, first: false)
            #expect(try await h.running() != nil, "a bonus runs: a withdrawal is refused (WithdrawalGate)")
            let ended = try await h.grants.forfeitAll(player: h.player, reason: "player")
            #expect(ended.map(\.state) == [.forfeited])
            #expect(try await h.balances() == (20, 0))
            #expect(try await h.running() == nil)
            let (_, bet) = try await h.bet(150)
            #expect(bet.refusal != BonusHooks.maxBetRefusal, "no maximum bet without a running bonus")
        }
    }

    /// A win on a bet staked while bonus A ran, credited after A was forfeited, is A's money: a
    /// new grant B forfeits it under A first instead of taking it as its own.
    @Test func bonusMoneyLeftByAnEndedBonusIsNotTheNextGrants() async throws {
        try await BonusHarness.with { h in
            _ = try await h.depositMatch()
            _ = try #require(try await h.deposit(50))
            let (stake, _) = try await h.bet(100)  // 50 real, 50 bonus
            _ = try await h.grants.settle(player: h.player, currency: "EUR", .forfeit("test"))
            try await h.win(100, on: stake)  // 50 to bonus, 50 to real
            #expect(try await h.balances() == (50, 50))
            let fixed = try await h.campaigns.create(
                CampaignTerms(
                    name: "Gift", currency: "EUR", kind: .fixed, matchPercent: nil, amountUnits: 10 * BonusHarness.euro,
                    eligibility: .code("GIFT10"), wageringMultiplier: 10, wageringBase: .bonus, maxBetUnits: nil, expiryDays: 30,
                    maxConversionUnits: nil))
            _ = try await h.campaigns.setEnabled(fixed.id, true)
            let second = try #require(try await h.grants.grantManually(campaign: fixed.id, to: h.player, source: "staff:1"))
            #expect(second.units == 10 * BonusHarness.euro)
            #expect(try await h.balances() == (50, 10), "the 50 left by the forfeited bonus went with it")
        }
    }

    @Test func oneRunningBonusPerCurrencyAndACodeGivesItsCampaign() async throws {
        try await BonusHarness.with { h in
            let coded = try await h.depositMatch(eligibility: .code("SPRING25"))
            await #expect(throws: BonusCodeRefusal.unknownCode) {
                try await h.deposits.enterCode("WINTER", player: h.player, currency: "EUR", segments: [])
            }
            try await h.deposits.enterCode(" spring25 ", player: h.player, currency: "EUR", segments: [])
            let granted = try #require(try await h.deposit(30, first: false))
            #expect(granted.campaignID == coded.id)
            #expect(try await h.deposits.enteredCode(player: h.player, currency: "EUR") == nil, "the code was claimed")
            try await h.deposits.enterCode("SPRING25", player: h.player, currency: "EUR", segments: [])
            #expect(try await h.deposit(30, first: false) == nil, "a bonus already runs in EUR")
            #expect(try await h.balances() == (60, 30))
        }
    }

    /// A campaign for one segment (docs/bonuses.md "Eligibility"): only its members get it on a
    /// deposit or may enter its code; everyone else gets the campaign for everyone, if any.
    @Test func aSegmentsCampaignIsOnlyItsMembers() async throws {
        try await BonusHarness.with { h in
            let everyone = try await h.depositMatch(name: "Welcome")
            let vip = try await h.depositMatch(segment: "vip", name: "VIP welcome")
            let outsider = try #require(try await h.deposit(10, segments: ["test_account"]))
            #expect(outsider.campaignID == everyone.id, "not a VIP: the campaign for everyone")
            _ = try await h.grants.forfeitAll(player: h.player, reason: "test")
            let member = try #require(try await h.deposit(10, segments: ["high_risk", "vip"]))
            #expect(member.campaignID == vip.id, "a VIP: the segment's campaign before the newest for everyone")

            let coded = try await h.depositMatch(eligibility: .code("VIPONLY"), segment: "vip", name: "VIP code")
            await #expect(throws: BonusCodeRefusal.unknownCode) {
                try await h.deposits.enterCode("VIPONLY", player: h.player, currency: "EUR", segments: [])
            }
            try await h.deposits.enterCode("VIPONLY", player: h.player, currency: "EUR", segments: ["vip"])
            #expect(coded.terms.segment == "vip")
            await #expect(throws: CampaignProblem.segment) {
                try await h.campaigns.create(
                    CampaignTerms(
                        name: "Bad", currency: "EUR", kind: .fixed, matchPercent: nil, amountUnits: 1, eligibility: .firstDeposit,
                        wageringMultiplier: 1, wageringBase: .bonus, maxBetUnits: nil, expiryDays: 1, maxConversionUnits: nil,
                        segment: "VIP; DROP"))
            }
        }
    }
}
