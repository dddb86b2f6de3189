import Core
import TestSupport
import Testing

/// `bonuses_record_wager_v1_batch` (migration 0061) leaves the wagering that
/// `bonuses_record_wager_v1` called for each operation in order leaves.
@Suite struct WagerBatchFollowUpTests {
    static let digest = """
        SELECT string_agg(format('%s|%s|%s|%s', player_id, currency, state, wagered_units), ';' ORDER BY id) FROM bonuses_grants
        """

    @Test func aBatchLeavesTheWageringOfItsCallsOneByOne() async throws {
        var random = SplitMix64(seed: 61)
        // Stakes on games counting 10 %, 50 % and 100 % (amounts that round), of players with and
        // without a running bonus; some batches hold a rollback's negative stake, which the clamp
        // at 0 makes order-dependent.
        let batches = (0..<150).map { _ in
            (0..<random.next(in: 1...9)).map { _ in
                FollowUpBatchCheck.Call(
                    player: Int64(random.next(in: 1...4)),
                    arguments: [
                        "game": ["live-1", "lucky-2", "slot-3", ""][random.next(in: 0...3)],
                        "currency": ["EUR", "USD"][random.next(in: 0...1)],
                        "bet": String(random.nextUnit() < 0.1 ? -random.next(in: 1...60) : random.next(in: 0...999)),
                    ])
            }
        }
        try await TestDatabase.with { database in
            try await database.withConnection { connection in
                try await connection.query(
                    """
                    WITH campaign AS (
                        INSERT INTO bonuses_campaigns (name, currency, kind, amount_units, eligibility, wagering_multiplier, wagering_base,
                                                       expiry_days)
                        VALUES ('test', 'EUR', 'fixed', 100, 'first_deposit', 10, 'bonus', 7) RETURNING id
                    ), contributions AS (
                        INSERT INTO bonuses_game_contributions VALUES ('live', 10), ('l', 50)
                    )
                    INSERT INTO bonuses_grants (player_id, currency, campaign_id, source, units, required_units, wagered_units, expires_at,
                                                state, settled_at)
                    SELECT g.player, g.currency, campaign.id, 'test:' || g.player || g.currency, 100, 1000, g.wagered,
                           now() + interval '1 day', g.state, CASE WHEN g.state <> 'active' THEN now() END
                      FROM campaign,
                           (VALUES (1, 'EUR', 0, 'active'), (2, 'EUR', 25, 'active'), (2, 'USD', 3, 'active'), (3, 'EUR', 40, 'forfeited'))
                           AS g(player, currency, wagered, state)
                    """, logger: TestServices.logger
                ).collect()
            }
            let differences = try await FollowUpBatchCheck.differences(
                followUp: "bonuses_record_wager_v1", batches: batches, digest: Self.digest, on: database)
            #expect(differences == [])
        }
    }
}
