import Core
import TestSupport
import Testing

/// `compliance_count_play_v1_batch` (migration 0060) leaves the days of play that
/// `compliance_count_play_v1` called for each operation in order leaves.
@Suite struct PlayDaysBatchFollowUpTests {
    static let digest = """
        SELECT string_agg(format('%s|%s|%s|%s|%s', player_id, currency, day, stake_units, win_units), ';' ORDER BY player_id, currency, day)
          FROM compliance_play_days
        """

    @Test func aBatchLeavesTheDaysOfItsCallsOneByOne() async throws {
        var random = SplitMix64(seed: 60)
        // Bets, wins and rollbacks (negative amounts, some dated on an earlier day) of three players
        // in two currencies.
        let batches = (0..<150).map { _ in
            (0..<random.next(in: 1...9)).map { _ in
                var arguments = [
                    "currency": ["EUR", "USD"][random.next(in: 0...1)], "bet": String(random.next(in: -50...1_000)),
                    "win": String(random.next(in: -20...500)),
                ]
                if random.nextUnit() < 0.25 { arguments["day"] = "2026-11-30" }
                return FollowUpBatchCheck.Call(player: Int64(random.next(in: 1...3)), arguments: arguments)
            }
        }
        try await TestDatabase.with { database in
            try await database.withConnection { connection in
                try await connection.query(
                    "SELECT compliance_count_play_v1(1, '{\"currency\": \"EUR\", \"bet\": \"7\", \"win\": \"3\"}')",
                    logger: TestServices.logger
                ).collect()
            }
            let differences = try await FollowUpBatchCheck.differences(
                followUp: "compliance_count_play_v1", batches: batches, digest: Self.digest, on: database)
            #expect(differences == [])
        }
    }
}
