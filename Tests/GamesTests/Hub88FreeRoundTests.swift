import Core
import Foundation
import TestSupport
import Testing

@testable import Games

/// Free rounds: the bet (is_free, or an amount of 0) moves no money; its win closes the round.
@Suite struct Hub88FreeRoundTests {
    @Test func aZeroWinClosingAFreeBetIsOKAndClosesTheRound() async throws {
        try await Hub88Harness.with { harness in
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            for (round, free) in [
                ("free-flagged", harness.bet(player, token: token, amount: 100_000, free: true)),
                ("free-zero", harness.bet(player, token: token, amount: 0)),
            ] {
                var bet = free
                bet["round"] = round
                #expect(try await harness.call(.bet, "acme", bet).status == .ok, "\(round): the free bet")
                #expect(try await harness.roundClosed("acme", round) == false, "\(round): open after its bet")
                let win = harness.win(of: bet, amount: 0, closed: true)
                let answer = try await harness.call(.win, "acme", win)
                #expect(answer.status == .ok, "\(round): a zero win closing a free bet")
                #expect(answer.balance == Hub88Harness.funds, "\(round)")
                #expect(try await harness.roundClosed("acme", round) == true, "\(round): closed by its zero win")
                #expect(try await harness.call(.win, "acme", win) == answer, "\(round): the retry gets the first answer")
            }
            #expect(try await harness.balance(player) == Hub88Harness.funds)
        }
    }

    @Test func aRetriedWinOfAFreeRoundGetsItsFirstAnswer() async throws {
        try await Hub88Harness.with { harness in
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            let bet = harness.bet(player, token: token, amount: 100_000, free: true)
            #expect(try await harness.call(.bet, "acme", bet).status == .ok)
            let win = harness.win(of: bet, amount: 250_000)
            let first = try await harness.call(.win, "acme", win)
            #expect(first.status == .ok)
            #expect(first.balance == Hub88Harness.funds + 250_000)
            #expect(try await harness.roundClosed("acme", try #require(bet["round"] as? String)) == true)

            // The balance moves in between, so a replay must answer the stored balance, not today's.
            let other = harness.bet(player, token: token, amount: 50_000)
            #expect(try await harness.call(.bet, "acme", other).status == .ok)
            for attempt in 1...3 {
                var retry = win
                retry["request_uuid"] = UUID().uuidString
                let again = try await harness.call(.win, "acme", retry)
                #expect(again.status == .ok, "retry \(attempt) of the free round's win")
                #expect(again.balance == first.balance, "retry \(attempt) answers the first balance")
            }
            #expect(try await harness.balance(player) == Hub88Harness.funds + 250_000 - 50_000, "paid once")
        }
    }
}
