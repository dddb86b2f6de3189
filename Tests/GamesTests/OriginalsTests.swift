import Foundation
import Testing

@testable import Games

/// Known answers computed by independent code (Python's hmac and hashlib), so the scheme the
/// fairness page documents is the one the games use.
@Suite struct ProvablyFairTests {
    let seed = "7b0fed41ada637f1ea025b2b6b5c20842320dff7051c5ce33f5d25c838ca7ce6"

    @Test func theCommitmentIsTheSHA256OfTheSeedText() {
        #expect(ProvablyFair.commitment(seed) == "3ef4b7d3d8c4152372665f8253ae644a7a2d3e2f870feb9fed6cf3def95f717a")
    }

    @Test(arguments: [
        ("d2e45083ce849a20", Int64(0), 8052, [25, 3, 29, 31, 27]),
        ("d2e45083ce849a20", Int64(1), 2612, [8, 2, 25, 15, 12]),
        ("my lucky seed", Int64(7), 4289, [13, 26, 24, 19, 26]),
    ])
    func outcomesMatchAnIndependentComputation(client: String, nonce: Int64, roll: Int, stops: [Int]) {
        let numbers = ProvablyFair.numbers(serverSeed: seed, clientSeed: client, nonce: nonce)
        #expect(Dice.roll(numbers) == roll)
        #expect(Slot.stops(numbers) == stops)
    }

    @Test func diceRulesAndPayouts() {
        let numbers = ProvablyFair.numbers(serverSeed: seed, clientSeed: "d2e45083ce849a20", nonce: 1)  // roll 2612
        #expect(Dice.play(bet: 100_000, target: 5000, direction: .under, numbers: numbers) == .init(roll: 2612, won: true, payout: 198_000))
        #expect(Dice.play(bet: 100_000, target: 2612, direction: .under, numbers: numbers).won == false, "under is strict")
        #expect(
            Dice.play(bet: 100_000, target: 2612, direction: .over, numbers: numbers) == .init(roll: 2612, won: true, payout: 134_001),
            "100000 × 9900 / 7388, rounded down")
        #expect(Dice.multiplierText(target: 5000, direction: .under) == "1.9800")
        #expect(!Dice.isValid(target: 99, direction: .under))
        #expect(!Dice.isValid(target: 9901, direction: .over))
        #expect(ProvablyFair.isValidClientSeed("lucky 7"))
        #expect(!ProvablyFair.isValidClientSeed("a:b"), "the colon separates the HMAC message's parts")
        #expect(!ProvablyFair.isValidClientSeed(""))
    }

    @Test func slotLinesPayLeftToRight() {
        let numbers = ProvablyFair.numbers(serverSeed: seed, clientSeed: "d2e45083ce849a20", nonce: 4)
        let outcome = Slot.play(bet: 100_000, numbers: numbers)
        #expect(outcome.reels.count == 5 && outcome.reels.allSatisfy { $0.count == 3 })
        for win in outcome.wins {
            let line = Slot.lines[win.line - 1]
            #expect((0..<win.count).allSatisfy { outcome.reels[$0][line[$0]] == win.symbol })
            if win.count < 5 { #expect(outcome.reels[win.count][line[win.count]] != win.symbol) }
        }
        #expect(!Slot.isValid(bet: 105), "a bet splits evenly over 10 lines")
        #expect(
            Slot.strips.allSatisfy { strip in Slot.counts.allSatisfy { symbol, count in strip.filter { $0 == symbol }.count == count } })
    }
}

/// The published RTPs, checked two ways: the slot's closed form, and a simulation of a million
/// rounds through the real outcome functions (HMAC and all) whose deviation must stay within
/// five standard errors measured from the sample itself.
@Suite struct OriginalsRTPTests {
    static let rounds = 1_000_000

    @Test func theSlotsExactRTPIsThePublishedOne() {
        let (numerator, denominator) = Slot.exactRTP()
        #expect(numerator * 10000 / denominator == Int64(Slot.rtpBasisPoints), "96.13 % as published")
    }

    @Test func aMillionSlotRoundsReturnTheExactRTP() {
        let bet: Int64 = 1000
        var sum = 0.0
        var squares = 0.0
        for nonce in 0..<Int64(Self.rounds) {
            let numbers = ProvablyFair.numbers(serverSeed: "slot-rtp-seed", clientSeed: "simulation", nonce: nonce)
            let ratio = Double(Slot.play(bet: bet, numbers: numbers).payout) / Double(bet)
            sum += ratio
            squares += ratio * ratio
        }
        let n = Double(Self.rounds)
        let mean = sum / n
        let standardError = ((squares / n - mean * mean) / n).squareRoot()
        let (numerator, denominator) = Slot.exactRTP()
        let exact = Double(numerator) / Double(denominator)
        #expect(abs(mean - exact) < 5 * standardError, "simulated \(mean), exact \(exact), standard error \(standardError)")
        #expect(standardError < 0.01, "a million rounds pin the RTP to within a few tenths of a percent")
    }

    @Test func aMillionDiceRoundsReturnNinetyNinePercent() {
        let bet: Int64 = 1_000_000
        var paid: Int64 = 0
        var squares = 0.0
        for nonce in 0..<Int64(Self.rounds) {
            let numbers = ProvablyFair.numbers(serverSeed: "dice-rtp-seed", clientSeed: "simulation", nonce: nonce)
            let payout = Dice.play(bet: bet, target: 5000, direction: .under, numbers: numbers).payout
            paid += payout
            squares += (Double(payout) / Double(bet)) * (Double(payout) / Double(bet))
        }
        let n = Double(Self.rounds)
        let mean = Double(paid) / Double(bet) / n
        let standardError = ((squares / n - mean * mean) / n).squareRoot()
        #expect(abs(mean - 0.99) < 5 * standardError, "simulated \(mean), standard error \(standardError)")
    }
}
