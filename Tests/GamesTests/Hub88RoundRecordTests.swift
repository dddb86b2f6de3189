import Core
import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import Games

/// Every call that moves money or settles a round records it in the call's own transaction
/// (a rollback through the ledger's follow-up, a win of 0 in the statement that stores it), once:
/// a retry adds nothing. Run on the direct path and through group commit.
@Suite struct Hub88RoundRecordTests {
    static let stake: Int64 = 100_000

    @Test(arguments: [false, true])
    func aRoundCountsItsBetLossAndRollbackOnceEachWhateverIsRetried(batched: Bool) async throws {
        try await Hub88Harness.with(batched: batched) { harness in
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            let bet = harness.bet(player, token: token, amount: Self.stake)
            let loss = harness.win(of: bet, amount: 0, closed: false)
            let rollback = harness.rollback(of: bet)
            for call in [(Hub88Endpoint.bet, bet), (.win, loss), (.win, loss), (.rollback, rollback), (.rollback, rollback)] {
                let answer = try await harness.call(call.0, "acme", call.1)
                #expect(answer.status == .ok, "\(call.0)")
                #expect(answer.balance == Hub88Harness.funds - (call.0 == .rollback ? 0 : Self.stake), "\(call.0)")
            }
            let round = try #require(try await Self.round(harness, bet["round"] as? String ?? ""))
            #expect(round.bet == 0 && round.win == 0, "the rollback took the stake back from the round")
            #expect(round.transactions == 3, "bet, loss and rollback, each once")
            #expect(round.closed)
        }
    }

    /// A live table's round has one id for every player seated at it: each player's stakes and
    /// wins stay on that player's own row of the round (migration 0054).
    @Test(arguments: [false, true])
    func playersSharingARoundIdEachKeepTheirOwnRound(batched: Bool) async throws {
        try await Hub88Harness.with(batched: batched) { harness in
            let round = "table-7:hand-\(UUID().uuidString)"
            let first = try await harness.player()
            let second = try await harness.player()
            let firstToken = try await harness.launch(first, with: "acme")
            let secondToken = try await harness.launch(second, with: "acme")
            let secondUUID = UUID().uuidString
            async let firstAnswer = harness.call(.bet, "acme", harness.bet(first, token: firstToken, amount: Self.stake, round: round))
            async let secondAnswer = harness.call(
                .bet, "acme", harness.bet(second, token: secondToken, amount: 2 * Self.stake, round: round, uuid: secondUUID))
            #expect(try await [firstAnswer.status, secondAnswer.status] == [.ok, .ok])
            let secondBet = harness.bet(second, token: secondToken, amount: 2 * Self.stake, round: round, uuid: secondUUID)
            #expect(try await harness.call(.win, "acme", harness.win(of: secondBet, amount: 3 * Self.stake)).status == .ok)

            let firstRound = try #require(try await Self.round(harness, round, player: first))
            let secondRound = try #require(try await Self.round(harness, round, player: second))
            #expect(firstRound.bet == Self.stake && firstRound.win == 0 && firstRound.transactions == 1 && !firstRound.closed)
            #expect(secondRound.bet == 2 * Self.stake && secondRound.win == 3 * Self.stake && secondRound.transactions == 2)
            #expect(secondRound.closed)
        }
    }

    @Test(arguments: [false, true])
    func aBetTheFundsCannotCoverIsRefusedWithTheBalance(batched: Bool) async throws {
        try await Hub88Harness.with(batched: batched) { harness in
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            let answer = try await harness.call(.bet, "acme", harness.bet(player, token: token, amount: Hub88Harness.funds + 1))
            #expect(answer.status == .notEnoughMoney)
            #expect(answer.balance == Hub88Harness.funds)
        }
    }

    static func round(_ harness: Hub88Harness, _ round: String, player: PlayerID? = nil) async throws -> (
        bet: Int64, win: Int64, transactions: Int64, closed: Bool
    )? {
        try await harness.database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT bet_units, win_units, transactions::bigint, closed_at IS NOT NULL FROM games_rounds
                 WHERE provider = 'acme' AND round = \(round) AND (\(player?.rawValue)::bigint IS NULL OR player_id = \(player?.rawValue))
                """, logger: TestServices.logger)
            for try await row in rows.decode((Int64, Int64, Int64, Bool).self) { return row }
            return nil
        }
    }
}
