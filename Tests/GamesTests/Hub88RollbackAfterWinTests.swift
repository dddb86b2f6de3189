import Core
import Foundation
import TestSupport
import Testing

@testable import Games

/// A bet whose win was paid is settled: it can no longer be rolled back (Hub88 rolls back bets
/// whose answer it did not get, and retries wins), so the player never keeps both the stake
/// returned and the win.
@Suite struct Hub88RollbackAfterWinTests {
    static let stake: Int64 = 100_000
    static let prize: Int64 = 500_000

    @Test func aRollbackAfterThePaidWinIsRefusedEveryTimeItIsRetried() async throws {
        try await Hub88Harness.with { harness in
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            let bet = harness.bet(player, token: token, amount: Self.stake)
            #expect(try await harness.call(.bet, "acme", bet).status == .ok)
            #expect(try await harness.call(.win, "acme", harness.win(of: bet, amount: Self.prize)).status == .ok)
            let settled = Hub88Harness.funds - Self.stake + Self.prize
            let rollback = harness.rollback(of: bet)
            for attempt in 1...3 {
                let answer = try await harness.call(.rollback, "acme", rollback)
                #expect(answer.status == .unknown, "attempt \(attempt): a settled bet is not rolled back")
                #expect(answer.balance == settled, "attempt \(attempt)")
            }
            let another = harness.rollback(of: bet)
            #expect(try await harness.call(.rollback, "acme", another).status == .unknown, "under another uuid too")
            #expect(try await harness.balance(player) == settled, "the stake stays lost and the win stays paid")
        }
    }

    @Test func aWinAfterItsBetsRollbackIsRefusedEveryTimeItIsRetried() async throws {
        try await Hub88Harness.with { harness in
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            let bet = harness.bet(player, token: token, amount: Self.stake)
            #expect(try await harness.call(.bet, "acme", bet).status == .ok)
            #expect(try await harness.call(.rollback, "acme", harness.rollback(of: bet)).status == .ok)
            let win = harness.win(of: bet, amount: Self.prize)
            for attempt in 1...3 {
                let answer = try await harness.call(.win, "acme", win)
                #expect(answer.status == .transactionRolledBack, "attempt \(attempt)")
                #expect(answer.balance == Hub88Harness.funds, "attempt \(attempt)")
            }
            #expect(try await harness.balance(player) == Hub88Harness.funds, "the stake returned, no win")
        }
    }

    /// Win and rollback of one bet race each other; whichever wins the player's lock decides.
    @Test func aWinAndARollbackArrivingTogetherNeverBothApply() async throws {
        try await Hub88Harness.with { harness in
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            let rounds = 16
            var bets: [[String: Any]] = []
            for _ in 0..<rounds {
                let bet = harness.bet(player, token: token, amount: Self.stake)
                #expect(try await harness.call(.bet, "acme", bet).status == .ok)
                bets.append(bet)
            }
            let calls = bets.flatMap { bet in
                [(Hub88Endpoint.win, harness.win(of: bet, amount: Self.prize)), (Hub88Endpoint.rollback, harness.rollback(of: bet))]
            }
            let statuses = try await withThrowingTaskGroup(of: (Int, Hub88Status).self) { group in
                for (index, (endpoint, fields)) in calls.enumerated() {
                    let sendable = try JSONSerialization.data(withJSONObject: fields)
                    group.addTask {
                        let fields = try JSONSerialization.jsonObject(with: sendable) as? [String: Any] ?? [:]
                        return (index, try await harness.call(endpoint, "acme", fields).status)
                    }
                }
                var statuses = [Hub88Status](repeating: .unknown, count: calls.count)
                for try await (index, status) in group { statuses[index] = status }
                return statuses
            }
            var wins = 0
            for round in 0..<rounds {
                let (win, rollback) = (statuses[2 * round], statuses[2 * round + 1])
                let outcome = "round \(round): win \(win.rawValue), rollback \(rollback.rawValue)"
                #expect(
                    (win == .ok && rollback == .unknown) || (win == .transactionRolledBack && rollback == .ok), "\(outcome)")
                if win == .ok { wins += 1 }
            }
            let expected = Hub88Harness.funds - Int64(wins) * Self.stake + Int64(wins) * Self.prize
            #expect(try await harness.balance(player) == expected, "\(wins) rounds won, the others refunded, none both")
        }
    }
}
