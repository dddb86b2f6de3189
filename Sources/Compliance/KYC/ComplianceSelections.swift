import Core
import Foundation
import PostgresNIO

/// Which players match a compliance fact, for the back office's players search, which
/// intersects the answer with its own filters (docs/compliance.md "Back office").
extension KYCLevels {
    /// Players at `level`. L0 has no rows (a player is L0 until raised), so it is answered as
    /// "every player except those raised above it".
    public func players(atLevel level: Int) async throws -> PlayerSelection {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT player_id FROM compliance_player_levels WHERE CASE WHEN \(level) = 0 THEN level > 0 ELSE level = \(level) END",
                logger: logger)
            var players: Set<PlayerID> = []
            for try await id in rows.decode(Int64.self) { players.insert(PlayerID(id)) }
            return level == 0 ? .except(players) : .only(players)
        }
    }
}

extension ComplianceProfiles {
    /// Players whose profile names `country` (ISO 3166-1 alpha-2, upper-case).
    public func players(in country: String) async throws -> PlayerSelection {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT player_id FROM compliance_profiles WHERE country = \(country.uppercased())", logger: logger)
            var players: Set<PlayerID> = []
            for try await id in rows.decode(Int64.self) { players.insert(PlayerID(id)) }
            return .only(players)
        }
    }
}

extension PlayerProtection {
    /// Players under a time-out or self-exclusion in force now.
    public func excludedPlayers() async throws -> PlayerSelection {
        let moment = now()
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT DISTINCT player_id FROM compliance_exclusions
                 WHERE starts_at <= \(moment) AND (ends_at IS NULL OR ends_at > \(moment))
                """, logger: logger)
            var players: Set<PlayerID> = []
            for try await id in rows.decode(Int64.self) { players.insert(PlayerID(id)) }
            return .only(players)
        }
    }
}
