import Core
import TestSupport
import Testing

/// `games_record_round_v1_batch` (migration 0059) leaves the rounds that
/// `games_record_round_v1` called for each operation in order leaves.
@Suite struct RoundsBatchFollowUpTests {
    static let digest = """
        SELECT string_agg(format('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', provider, left(round, 8) || length(round), player_id, game_code,
                                 currency, bet_units, win_units, transactions, opened_at = now(), closed_at),
                          ';' ORDER BY provider, round, player_id)
          FROM games_rounds
        """

    @Test func aBatchLeavesTheRoundsOfItsCallsOneByOne() async throws {
        var random = SplitMix64(seed: 59)
        // Calls of three players on a few rounds, so that rounds repeat within a batch, shared
        // round ids of several players, bets, wins, closing calls, and ids past the stored 200.
        let batches = (0..<150).map { _ in
            (0..<random.next(in: 1...9)).map { _ in
                let round = ["r1", "r2", String(repeating: "x", count: 205) + String(random.next(in: 1...2))][random.next(in: 0...2)]
                return FollowUpBatchCheck.Call(
                    player: Int64(random.next(in: 1...3)),
                    arguments: [
                        "provider": ["acme", "other"][random.next(in: 0...1)], "round": round,
                        "game": ["slot-1", "live-2"][random.next(in: 0...1)], "currency": ["EUR", "USD"][random.next(in: 0...1)],
                        "bet": String(random.next(in: 0...1_000)), "win": String(random.next(in: 0...500)),
                        "closed": String(random.nextUnit() < 0.3),
                    ])
            }
        }
        try await TestDatabase.with { database in
            // Rounds that exist before the batch, one of them closed.
            try await database.withConnection { connection in
                try await connection.query(
                    """
                    SELECT games_round_add('acme', 'r1', 1, 'earlier', 'EUR', 5, 0, false),
                           games_round_add('acme', 'r2', 2, 'earlier', 'EUR', 5, 5, true)
                    """, logger: TestServices.logger
                ).collect()
            }
            let differences = try await FollowUpBatchCheck.differences(
                followUp: "games_record_round_v1", batches: batches, digest: Self.digest, on: database)
            #expect(differences == [])
        }
    }
}
