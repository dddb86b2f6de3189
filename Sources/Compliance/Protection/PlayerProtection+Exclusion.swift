import Core
import Foundation
import Identity
import PostgresNIO

/// Time-outs and self-exclusions (docs/player-protection.md "Exclusion"): immediate, never
/// shortened or lifted early by anyone; they end every session of the player, and from then on
/// bets (`betCheck`) and deposits (`DepositProtection`) are refused while withdrawals go on.
extension PlayerProtection {
    /// Excludes the player for `term` from now. A request that would end before an exclusion in
    /// force is refused (`alreadyExcluded`); a longer one extends it.
    @discardableResult
    public func exclude(player: PlayerID, term: ExclusionTerm, actor: String) async throws -> Exclusion {
        let moment = now()
        let end = try term.end(from: moment)
        let exclusion = Exclusion(kind: term.kind, startsAt: moment, endsAt: end)
        try await database.withTransaction(logger: logger) { connection in
            try await PlayerLock.acquire(player, on: connection, logger: logger)
            if let current = try await self.exclusion(of: player, on: connection) {
                let longer =
                    switch (current.endsAt, end) {
                    case (nil, _): false
                    case (_, nil): true
                    case (let currentEnd?, let newEnd?): newEnd > currentEnd
                    }
                guard longer else { throw ProtectionProblem.alreadyExcluded(until: current.endsAt) }
            }
            try await connection.query(
                """
                INSERT INTO compliance_exclusions (player_id, kind, starts_at, ends_at)
                VALUES (\(player.rawValue), \(term.kind.rawValue), \(moment), \(end))
                """, logger: logger
            ).collect()
            // 'infinity' for a permanent one, so that the bet check compares one column.
            try await connection.query(
                """
                INSERT INTO compliance_protection_players (player_id, excluded_until, exclusion_kind, updated_at)
                VALUES (\(player.rawValue), COALESCE(\(end), 'infinity'::timestamptz), \(term.kind.rawValue), \(moment))
                ON CONFLICT (player_id) DO UPDATE
                   SET excluded_until = EXCLUDED.excluded_until, exclusion_kind = EXCLUDED.exclusion_kind, updated_at = EXCLUDED.updated_at
                """, logger: logger
            ).collect()
            try await audit.append(
                AuditEntry(
                    actor: actor, action: "compliance.player_excluded", target: "player:\(player.rawValue)",
                    summary: ["kind": term.kind.rawValue, "until": end?.formatted(.iso8601) ?? "permanent"]), on: connection)
        }
        // After the commit: a session revoked before it could be renewed by a request racing it.
        try await sessions.revokeAll(of: .player(player))
        await observer.playerExcluded(player: player, until: end)
        return exclusion
    }
}
