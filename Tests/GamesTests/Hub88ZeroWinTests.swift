import Core
import Foundation
import TestSupport
import Testing

@testable import Games

/// A win of 0 never reaches the ledger; its answer is kept by Games (`games_free_transactions`).
/// It is judged first and stored after, so a retry is judged again before it finds the stored
/// answer: whatever the judgement says by then, the stored answer is the one sent.
@Suite struct Hub88ZeroWinTests {
    @Test func aRetryAfterTheBetIsRolledBackGetsTheFirstAnswer() async throws {
        try await Hub88Harness.with { harness in
            let (player, bet, win) = try await Self.betAndItsZeroWin(harness)
            let first = try await harness.call(.win, "acme", win)
            #expect(first.status == .ok)
            #expect(first.balance == Hub88Harness.funds - 100_000)
            #expect(try await harness.call(.rollback, "acme", harness.rollback(of: bet)).status == .ok, "nothing settled the bet")

            var retry = win
            retry["request_uuid"] = UUID().uuidString
            let again = try await harness.call(.win, "acme", retry)
            #expect(again.status == .ok, "the stored answer, not transactionRolledBack")
            #expect(again.balance == first.balance, "the stored balance, not today's")

            var reused = win
            reused["round"] = "another round"
            #expect(try await harness.call(.win, "acme", reused).status == .duplicateTransaction, "the uuid with other contents")

            // A win of 0 judged after the rollback is refused, and a refusal is not kept.
            let late = harness.win(of: bet, amount: 0)
            #expect(try await harness.call(.win, "acme", late).status == .transactionRolledBack)
            #expect(try await harness.call(.win, "acme", late).status == .transactionRolledBack)
            #expect(try await harness.balance(player) == Hub88Harness.funds)
        }
    }

    /// Twins of one win of 0 sent at once: one stores its answer, the others find it and send it.
    @Test func twinsSentAtOnceGetOneAnswerAndCountInTheRoundOnce() async throws {
        try await Hub88Harness.with { harness in
            let (_, bet, win) = try await Self.betAndItsZeroWin(harness)
            let answers = try await harness.twins(.win, "acme", win, times: 8)
            #expect(answers.allSatisfy { $0.status == .ok && $0.balance == Hub88Harness.funds - 100_000 })
            let round = try #require(bet["round"] as? String)
            let transactions = try await harness.database.withConnection { connection in
                var counted: [Int] = []
                for try await count in try await connection.query(
                    "SELECT transactions FROM games_rounds WHERE provider = 'acme' AND round = \(round)", logger: TestServices.logger
                ).decode(Int.self) {
                    counted.append(count)
                }
                return counted
            }
            #expect(transactions == [2], "the bet and one win of 0")
        }
    }

    /// A win of 0 naming a bet that is not the player's is unknown; the balance is shown only to
    /// a provider the player has played with. Nothing is stored, so the bet's own win of 0 still
    /// closes its round.
    @Test func aWinOfZeroNamingNoBetOfThePlayersIsUnknown() async throws {
        try await Hub88Harness.with { harness in
            let (_, _, win) = try await Self.betAndItsZeroWin(harness)
            let rival = try await harness.player(funds: 70_000)
            _ = try await harness.launch(rival, with: "acme")
            var foreign = win
            foreign["user"] = String(rival.rawValue)
            let refused = try await harness.call(.win, "acme", foreign)
            #expect(refused.status == .transactionDoesNotExist)
            #expect(refused.balance == 70_000, "the rival has played with acme")

            var stranger = win
            stranger["user"] = String(try await harness.player().rawValue)
            let unknown = try await harness.call(.win, "acme", stranger)
            #expect(unknown.status == .transactionDoesNotExist)
            #expect(unknown.balance == nil, "a player who never played with acme")

            let own = try await harness.call(.win, "acme", win)
            #expect(own.status == .ok && own.balance == Hub88Harness.funds - 100_000, "the refusals stored nothing under its uuid")
        }
    }

    /// The balance a win of 0 stores is converted to Hub88's units in SQL
    /// (games_hub88_wire_balance, migration 0065): it must be what `Hub88Amount.wire` answers, for
    /// every scale a currency may have (0 to 18), finer and coarser than Hub88's 1/100000, and for
    /// sums that do not fit.
    @Test func theStoredBalanceIsConvertedAsSwiftConvertsIt() async throws {
        try await Hub88Harness.with { harness in
            let sums: [(real: Int64, bonus: Int64)] = [
                (0, 0), (1, 0), (9, 1), (99_999, 1), (123_456_789, 987), (Int64.max / 1_000, 7), (Int64.max, 0), (Int64.max, 5),
            ]
            for scale in 0...18 {
                for (real, bonus) in sums {
                    let playable = real.addingReportingOverflow(bonus)
                    let swift = Hub88Amount.wire(units: playable.overflow ? .max : playable.partialValue, scale: scale)
                    let sql = try await harness.database.withConnection { connection in
                        var converted: [Int64] = []
                        for try await value in try await connection.query(
                            "SELECT games_hub88_wire_balance(\(real)::numeric + \(bonus), \(Int32(scale)))", logger: TestServices.logger
                        ).decode(Int64.self) {
                            converted.append(value)
                        }
                        return converted
                    }
                    #expect(sql == [swift], "\(real) + \(bonus) units at scale \(scale)")
                }
            }
        }
    }

    /// A player with funds, a bet of 1.00 placed, and the win of 0 that settles it (not sent).
    static func betAndItsZeroWin(_ harness: Hub88Harness) async throws -> (PlayerID, [String: Any], [String: Any]) {
        let player = try await harness.player()
        let token = try await harness.launch(player, with: "acme")
        let bet = harness.bet(player, token: token, amount: 100_000)
        #expect(try await harness.call(.bet, "acme", bet).status == .ok)
        return (player, bet, harness.win(of: bet, amount: 0))
    }
}
