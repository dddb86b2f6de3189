import Core
import Foundation
import Persistence
import PostgresNIO

/// A free-spin grant's spins (docs/bonuses.md "Free spins"): awarded at the provider under the
/// reward id `bonus-grant-<id>`, over once all are played or their time ran out, cancelled at the
/// provider when the grant ends before. While they are not over the grant does not convert: a
/// win may still come.
extension Grants {
    /// The reward id the provider keeps a grant's spins under.
    public static func reward(ofGrant id: Int64) -> String { "bonus-grant-\(id)" }

    /// Writes the spins' row and awards them, last, inside the grant's transaction: every write
    /// that could fail comes first, so only a failed commit can leave rounds at the provider that
    /// no grant owns (their wins are then paid as the provider's own promotion's are).
    func awardSpins(_ spins: FreeSpinTerms, of campaign: Campaign, grant id: Int64, player: PlayerID, on connection: PostgresConnection)
        async throws
    {
        guard let freeRounds else { throw FreeSpinsRefusal.noProvider }
        let reward = Self.reward(ofGrant: id)
        let validUntil = now().addingTimeInterval(TimeInterval(spins.days) * 86_400)
        _ = try await connection.query(
            """
            INSERT INTO bonuses_free_spins (grant_id, reward, provider, game_code, spins, spin_units, valid_until)
            VALUES (\(id), \(reward), \(freeRounds.code), \(spins.game), \(spins.spins), \(campaign.terms.amountUnits), \(validUntil))
            """, logger: logger
        ).collect()
        try await freeRounds.award(
            FreeRoundsAward(
                reward: reward, player: player, game: spins.game, currency: campaign.terms.currency, rounds: spins.spins,
                stakeUnits: campaign.terms.amountUnits, validUntil: validUntil))
    }

    /// Whether the grant's spins are not over yet (false for a grant without spins).
    func spinsOpen(grant id: Int64, on connection: PostgresConnection) async throws -> Bool {
        try await connection.query(
            "SELECT 1 FROM bonuses_free_spins WHERE grant_id = \(id) AND ended_at IS NULL", logger: logger
        ).collect().count > 0
    }

    /// Ends the grant's spins as it ends (forfeit, expiry): they are cancelled at the provider.
    func cancelSpins(grant id: Int64, on connection: PostgresConnection) async throws {
        let rows = try await connection.query(
            "UPDATE bonuses_free_spins SET ended_at = \(now()) WHERE grant_id = \(id) AND ended_at IS NULL RETURNING reward",
            logger: logger)
        var rewards: [String] = []
        for try await reward in rows.decode(String.self) { rewards.append(reward) }
        for reward in rewards { try await freeRounds?.cancel(reward: reward) }
    }

    /// The job's first step: spins whose time ran out are cancelled at the provider, spins the
    /// provider has none left of are over. Their grant then goes on as a wagering bonus.
    func endFinishedSpins() async throws {
        guard let freeRounds else { return }
        let open = try await database.withConnection { connection in
            var open: [(Int64, String, Date)] = []
            let rows = try await connection.query(
                "SELECT grant_id, reward, valid_until FROM bonuses_free_spins WHERE ended_at IS NULL", logger: logger)
            for try await row in rows.decode((Int64, String, Date).self) { open.append(row) }
            return open
        }
        for (grant, reward, validUntil) in open {
            let expired = validUntil <= now()
            if expired {
                try await freeRounds.cancel(reward: reward)
            } else if try await freeRounds.openRounds(reward: reward) > 0 {
                continue
            }
            try await database.withConnection { connection in
                _ = try await connection.query(
                    "UPDATE bonuses_free_spins SET ended_at = \(now()) WHERE grant_id = \(grant) AND ended_at IS NULL", logger: logger
                ).collect()
            }
        }
    }

    /// The spins of the player's running free-spin grants, with what the provider has left.
    public func freeSpins(of player: PlayerID) async throws -> [FreeSpinsStatus] {
        let rows = try await database.withConnection { connection in
            var found: [(Int64, String, String, Int, Int64, Date, Bool)] = []
            let rows = try await connection.query(
                """
                SELECT s.grant_id, s.reward, s.game_code, s.spins, s.spin_units, s.valid_until, s.ended_at IS NULL
                  FROM bonuses_free_spins s JOIN bonuses_grants g ON g.id = s.grant_id
                 WHERE g.player_id = \(player.rawValue) AND g.state = 'active' ORDER BY s.grant_id
                """, logger: logger)
            for try await row in rows.decode((Int64, String, String, Int, Int64, Date, Bool).self) { found.append(row) }
            return found
        }
        var statuses: [FreeSpinsStatus] = []
        for (grant, reward, game, spins, spinUnits, validUntil, open) in rows {
            let left = open ? try await freeRounds?.openRounds(reward: reward) ?? 0 : 0
            statuses.append(
                FreeSpinsStatus(grantID: grant, game: game, spins: spins, left: left, spinUnits: spinUnits, validUntil: validUntil))
        }
        return statuses
    }
}
