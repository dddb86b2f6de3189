import Core
import Persistence
import TestSupport
import Testing

@testable import Ledger

/// Group commit under concurrency: many tasks send bets (each twice at once, as a provider's
/// retry racing its original) through a batcher whose window lets them share batches.
@Suite struct LedgerBatcherConcurrencyTests {
    static let players: [Int64] = Array(1...8)
    static let tasksPerPlayer = 4
    static let betsPerTask = 10
    static let funds: Int64 = 1_000
    static let stake: Int64 = 30

    /// With one batch in flight per shard, and with two (side by side for disjoint players).
    @Test(arguments: [1, 2])
    func manyTasksApplyEachKeyOnceRefuseOnlyWhatFundsCannotCoverAndKeepTheInvariants(inFlight: Int) async throws {
        try await LedgerHarness.with { harness in
            try await BatchScenario.createHooks(on: harness.database)
            for player in Self.players {
                try await harness.apply(.deposit(units: Self.funds, gateway: BatchScenario.sandbox), player: player)
            }
            let ledger = harness.ledger.batching(LedgerBatchSettings(windowMicroseconds: 2_000, maximum: 16, shards: 3, inFlight: inFlight))
            #expect(ledger.batcher != nil)
            let answers = try await withThrowingTaskGroup(of: [(String, Ledger.HookedOutcome)].self) { group in
                for player in Self.players {
                    for task in 0..<Self.tasksPerPlayer {
                        group.addTask { try await Self.bets(player: player, task: task, ledger: ledger) }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(answers.count == Self.players.count * Self.tasksPerPlayer * Self.betsPerTask * 2)
            let applied = Self.funds / Self.stake
            for player in Self.players {
                let mine = answers.filter { $0.0.hasPrefix("p\(player)-") }
                var transactions: Set<Int64> = []
                for (_, answer) in mine {
                    guard case .ledger(let outcome) = answer else {
                        Issue.record("a check refused \(answer)")
                        continue
                    }
                    #expect([.ok, .insufficientFunds].contains(outcome.code))
                    if outcome.code == .ok, let id = outcome.transactionID { transactions.insert(id) }
                }
                #expect(Int64(transactions.count) == applied)
                #expect(try await harness.balances(player) == Balances(real: Self.funds - applied * Self.stake, bonus: 0, locked: 0))
                #expect(
                    try await harness.scalar("SELECT coalesce(sum(runs), 0)::bigint FROM test_batch_follow_ups WHERE player_id = \(player)")
                        == applied)
            }
            for key in Set(answers.map(\.0)) {
                let twins = answers.filter { $0.0 == key }.map(\.1)
                guard case .ledger(let first) = twins[0], case .ledger(let second) = twins[1], first.code == .ok || second.code == .ok
                else { continue }
                #expect(first.transactionID == second.transactionID && first.balances == second.balances)
                #expect(first.replayed != second.replayed)
            }
        }
    }

    /// A task's bets in order, each sent twice at once; the answers keyed by the bet's key.
    static func bets(player: Int64, task: Int, ledger: Ledger) async throws -> [(String, Ledger.HookedOutcome)] {
        var answers: [(String, Ledger.HookedOutcome)] = []
        for bet in 0..<betsPerTask {
            let name = "p\(player)-t\(task)-b\(bet)"
            let operation = LedgerOperation(
                key: IdempotencyKey(scope: "hub88", key: "acme:\(name)"), player: PlayerID(player), currency: "EUR",
                movement: .bet(units: stake, house: BatchScenario.games), metadata: ["round": name])
            async let original = ledger.apply(operation, checks: [], followUps: [BatchScenario.countFollowUp], hookArguments: [:])
            async let retry = ledger.apply(operation, checks: [], followUps: [BatchScenario.countFollowUp], hookArguments: [:])
            answers += [(name, try await original), (name, try await retry)]
        }
        return answers
    }

    /// Only a batch that reached a connection and failed without the server's word can have
    /// committed (its calls answer an error); one refused before it was sent runs again one by
    /// one. (A server's refusal, `alone`, is `LedgerBatcherRecheckTests`; a cut-off call,
    /// `LedgerBatcherOutcomeTests`.)
    @Test func onlyAFailureAfterSendingWithoutTheServersWordIsAnUnknownOutcome() {
        #expect(LedgerBatcher.isUnknownOutcome(DatabaseConnectionClosed(), afterSending: true))
        #expect(LedgerBatcher.isUnknownOutcome(LedgerError.unexpectedResult("no row"), afterSending: true))
        #expect(!LedgerBatcher.isUnknownOutcome(DatabaseConnectionClosed(), afterSending: false))
    }

    @Test func aWindowOfZeroLeavesTheDirectPath() throws {
        // Never connected: the choice of path is made without the database.
        let database = Database(
            url: try DatabaseURL("postgres://nobody@127.0.0.1:1/none"), maximumConnections: 1, logger: TestServices.logger)
        let ledger = Ledger(database: database, logger: TestServices.logger)
        #expect(ledger.batching(LedgerBatchSettings(windowMicroseconds: 0)).batcher == nil)
        #expect(ledger.batching(LedgerBatchSettings(windowMicroseconds: 500)).batcher != nil)
    }
}
