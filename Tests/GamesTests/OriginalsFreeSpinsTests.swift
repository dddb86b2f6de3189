import Bonuses
import Core
import Foundation
import Ledger
import TestSupport
import Testing

@testable import Games

/// A free-spin grant end to end on Croupier Originals: awarded through Originals' rewards API,
/// played as free bets naming the reward, won as the grant's bonus money; a provider's own
/// promotion still paid as real money; a retried win paid once; a forfeit cancels the spins.
@Suite struct OriginalsFreeSpinsTests {
    static let stake: Int64 = 100_000

    @Test func theSpinsArePlayedAsFreeBetsAndWinAWageredBonus() async throws {
        try await FreeSpinsWorld.with { world in
            let player = try await world.harness.player()
            let campaign = try await world.campaign(spins: 3)
            let grant = try #require(try await world.grants.grantManually(campaign: campaign.id, to: player, source: "manual:1"))
            let reward = Grants.reward(ofGrant: grant.id)
            let session = try await world.launch(player)
            let opened = try #require(try await world.originals.open(session: session))
            #expect(opened.freeRoundsLeft == 3 && opened.freeRoundStake == "1.00")

            var won: Int64 = 0
            for left in [2, 1, 0] {
                let answer = try await world.originals.play(session: session, bet: "5.00", choice: .slot)
                #expect(answer.status == "ok")
                #expect(answer.bet == "1.00", "a free round is played at its stake, whatever the bet field says")
                #expect(answer.freeRoundsLeft == left)
                won += try Amount.units(fromDecimal: try #require(answer.win), scale: Hub88Amount.scale)
            }
            var balances = try await world.balances(player)
            #expect(balances.real == Hub88Harness.funds, "no real money moved on a free bet or its win")
            #expect(balances.bonus == won, "every win of a spin is bonus money")
            let running = try #require(try await world.grants.active(of: player).first)
            #expect(running.units == won && running.requiredUnits == 10 * won)
            #expect(try await world.originals.openFreeRounds(reward: reward) == 0)
            #expect(try await world.grants.freeSpins(of: player).map(\.left) == [0])

            let paid = try await world.originals.play(session: session, bet: "1.00", choice: .slot)
            #expect(paid.status == "ok" && paid.freeRoundsLeft == nil, "the spins used, play is paid again")
            let paidWin = try Amount.units(fromDecimal: try #require(paid.win), scale: Hub88Amount.scale)
            balances = try await world.balances(player)
            #expect(balances.real + balances.bonus == Hub88Harness.funds + won - Self.stake + paidWin)
        }
    }

    @Test func aRetriedWinPaysOnceAndAProvidersOwnPromotionStaysReal() async throws {
        try await FreeSpinsWorld.with { world in
            let player = try await world.harness.player()
            let campaign = try await world.campaign()
            let grant = try #require(try await world.grants.grantManually(campaign: campaign.id, to: player, source: "manual:1"))
            let token = try await world.harness.launch(player, with: OriginalsProvider.code)
            var bet = world.harness.bet(player, token: token, amount: Self.stake, free: true)
            bet["reward_uuid"] = Grants.reward(ofGrant: grant.id)
            #expect(try await world.harness.call(.bet, OriginalsProvider.code, bet).status == .ok)
            let win = world.harness.win(of: bet, amount: 250_000)
            for attempt in 1...2 {
                var retry = win
                retry["request_uuid"] = UUID().uuidString
                #expect(try await world.harness.call(.win, OriginalsProvider.code, retry).status == .ok, "attempt \(attempt)")
            }
            var changed = win
            changed["amount"] = 260_000
            #expect(try await world.harness.call(.win, OriginalsProvider.code, changed).status == .duplicateTransaction)
            var balances = try await world.balances(player)
            #expect(balances.real == Hub88Harness.funds && balances.bonus == 250_000, "paid once, as bonus")

            var promo = world.harness.bet(player, token: token, amount: Self.stake, free: true)
            promo["reward_uuid"] = "supplier-promo-7"
            #expect(try await world.harness.call(.bet, OriginalsProvider.code, promo).status == .ok)
            #expect(try await world.harness.call(.win, OriginalsProvider.code, world.harness.win(of: promo, amount: 300_000)).status == .ok)
            balances = try await world.balances(player)
            #expect(balances.real == Hub88Harness.funds + 300_000, "a reward Croupier did not award is paid on its own, as real money")
            #expect(balances.bonus == 250_000)
        }
    }

    @Test func aForfeitCancelsTheSpinsAtTheProvider() async throws {
        try await FreeSpinsWorld.with { world in
            let player = try await world.harness.player()
            let campaign = try await world.campaign(spins: 5)
            let grant = try #require(try await world.grants.grantManually(campaign: campaign.id, to: player, source: "manual:1"))
            let session = try await world.launch(player)
            _ = try await world.originals.play(session: session, bet: "1.00", choice: .slot)
            #expect(try await world.originals.open(session: session)?.freeRoundsLeft == 4)
            _ = try await world.grants.settle(player: player, currency: "EUR", .forfeit("player"))
            #expect(try await world.originals.openFreeRounds(reward: Grants.reward(ofGrant: grant.id)) == 0)
            #expect(try await world.originals.open(session: session)?.freeRoundsLeft == 0)
            let paid = try await world.originals.play(session: session, bet: "1.00", choice: .slot)
            #expect(paid.freeRoundsLeft == nil, "no free round is left to play")
            let balances = try await world.balances(player)
            let paidWin = try Amount.units(fromDecimal: try #require(paid.win), scale: Hub88Amount.scale)
            #expect(balances.real == Hub88Harness.funds - Self.stake + paidWin && balances.bonus == 0)
        }
    }
}
