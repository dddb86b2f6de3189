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

    static func round(_ harness: Hub88Harness, _ round: String) async throws -> (bet: Int64, win: Int64, transactions: Int64, closed: Bool)?
    {
        try await harness.database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT bet_units, win_units, transactions::bigint, closed_at IS NOT NULL FROM games_rounds
                 WHERE provider = 'acme' AND round = \(round)
                """, logger: TestServices.logger)
            for try await row in rows.decode((Int64, Int64, Int64, Bool).self) { return row }
            return nil
        }
    }
}
