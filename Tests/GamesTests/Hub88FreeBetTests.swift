import Core
import Foundation
import Identity
import TestSupport
import Testing

@testable import Games

/// A free bet (is_free, or an amount of 0) passes the session rules of any bet and moves no money:
/// its answers, refusals and replays, and which of them show the player's balance.
@Suite struct Hub88FreeBetTests {
    @Test func aFreeBetIsStoredOnceAndItsReplayGetsTheFirstAnswer() async throws {
        try await Hub88Harness.with { harness in
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            let bet = harness.bet(player, token: token, amount: 100_000, free: true)
            let first = try await harness.call(.bet, "acme", bet)
            #expect(first.status == .ok)
            #expect(first.balance == Hub88Harness.funds, "a free bet takes nothing")
            #expect(try await harness.roundClosed("acme", try #require(bet["round"] as? String)) == false, "its round is open")

            // The balance moves in between: the replay answers the stored balance.
            #expect(try await harness.call(.bet, "acme", harness.bet(player, token: token, amount: 30_000)).status == .ok)
            var retry = bet
            retry["request_uuid"] = UUID().uuidString
            #expect(try await harness.call(.bet, "acme", retry).balance == first.balance)
            let rows = try await harness.rowCounts()

            var changed = bet
            changed["round"] = "another round"
            let duplicate = try await harness.call(.bet, "acme", changed)
            #expect(duplicate.status == .duplicateTransaction)
            #expect(duplicate.balance == Hub88Harness.funds - 30_000, "the duplicate shows today's balance")
            #expect(try await harness.rowCounts() == rows, "a duplicate writes nothing")
            #expect(try await harness.balance(player) == Hub88Harness.funds - 30_000)
        }
    }

    /// Twins sent at once: one stores the answer and counts the round, the other gets its answer.
    @Test func twinFreeBetsAreAnsweredAlikeAndCountedOnce() async throws {
        try await Hub88Harness.with { harness in
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            let bet = harness.bet(player, token: token, amount: 0)
            let answers = try await harness.twins(.bet, "acme", bet, times: 8)
            #expect(answers.allSatisfy { $0.status == .ok && $0.balance == Hub88Harness.funds }, "\(answers)")
            let counts = try await harness.rowCounts()
            #expect(counts["games_free_transactions"] == 1 && counts["games_rounds"] == 1)
        }
    }

    /// A uuid another player's free bet used: a duplicate, with no balance for a player who never
    /// played with the provider.
    @Test func aFreeBetReusingAnotherPlayersUUIDIsADuplicate() async throws {
        try await Hub88Harness.with { harness in
            let owner = try await harness.player()
            let bet = harness.bet(owner, token: try await harness.launch(owner, with: "acme"), amount: 0)
            #expect(try await harness.call(.bet, "acme", bet).status == .ok)
            let stranger = try await harness.player()
            var reused = bet
            reused["user"] = String(stranger.rawValue)
            let duplicate = try await harness.call(.bet, "acme", reused)
            #expect(duplicate.status == .duplicateTransaction, "the first answer stored under the uuid was another call's")
            #expect(duplicate.balance == nil, "a stranger to the provider is shown no balance")
        }
    }

    @Test func aFreeBetIsRefusedAsAPaidOneWouldBeAndShowsTheBalanceOnlyToAProviderThePlayerPlayedWith() async throws {
        try await Hub88Harness.with { harness in
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            let expired = try await harness.launch(player, with: "acme", now: Date().addingTimeInterval(-13 * 3600))
            let rows = try await harness.rowCounts()
            func free(_ change: (inout [String: Any]) -> Void = { _ in }) -> [String: Any] {
                var bet = harness.bet(player, token: token, amount: 0)
                change(&bet)
                return bet
            }

            let cases: [(String, String, [String: Any], Hub88Status, Int64?)] = [
                ("an unknown token", "acme", free { $0["token"] = "no such token" }, .invalidToken, Hub88Harness.funds),
                ("another provider's token", "rival", free(), .invalidToken, nil),
                ("an expired token", "acme", free { $0["token"] = expired }, .tokenExpired, Hub88Harness.funds),
                ("a game the provider does not offer", "acme", free { $0["game_code"] = "other" }, .invalidGame, Hub88Harness.funds),
                ("another currency than the session's", "acme", free { $0["currency"] = "USD" }, .wrongCurrency, 0),
            ]
            for (name, provider, bet, status, balance) in cases {
                let answer = try await harness.call(.bet, provider, bet)
                #expect(answer.status == status, "\(name)")
                #expect(answer.balance == balance, "\(name): the balance shown")
            }

            try await PlayerBlocks(database: harness.database, logger: TestServices.logger).block(
                player, reason: "a free bet of a blocked player", by: StaffActing(actor: "staff:1"))
            let blocked = try await harness.call(.bet, "acme", free())
            #expect(blocked.status == .userDisabled)
            #expect(blocked.balance == Hub88Harness.funds)
            #expect(try await harness.rowCounts() == rows, "a refused free bet writes nothing")

            // Refused, so not stored: the same bet sent again once the player may play is answered afresh.
            let later = free()
            #expect(try await harness.call(.bet, "acme", later).status == .userDisabled)
            try await PlayerBlocks(database: harness.database, logger: TestServices.logger).unblock(
                player, reason: "cleared", by: StaffActing(actor: "staff:1"))
            #expect(try await harness.call(.bet, "acme", later).status == .ok)
        }
    }
}
