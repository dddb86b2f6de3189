import Core
import Ledger
import Logging
import Persistence
import PostgresNIO

/// Bonuses' own invariant, checked with the ledger's (`croupier audit`; docs/bonuses.md "Audit"):
/// every grant's money is in the ledger, as the `bonus_grant` keyed by the grant, for the grant's
/// player, currency and units; a free-spin grant's units are the sum of its spins' wins, each
/// the `bonus_grant` keyed by the win with its player, currency and units. A grant row without
/// it (or with other figures) would show the player a bonus that was never given, or give one
/// nobody can account for. And the other way: every ledger `bonus_grant` under Bonuses' scope is
/// claimed by a grant or a free-spin win of a free-spin grant, so a bonus written into the
/// ledger alone is found too.
public struct BonusAuditor: Sendable {
    let database: Database
    let ledger: Ledger
    let logger: Logger

    public init(database: Database, ledger: Ledger, logger: Logger) {
        self.database = database
        self.ledger = ledger
        self.logger = logger
    }

    public static let name = "every bonus grant (or free-spin win) is its ledger bonus_grant (player, currency, units)"

    /// The grants whose ledger operation is missing or differs; 0 when healthy.
    public func violations() async throws -> Int {
        // (key, player, currency, units) of every ledger bonus_grant Bonuses' rows claim, and the
        // free-spin grants whose units are not the sum of their wins.
        let (claims, unsummed) = try await database.withConnection { connection in
            var claims: [(IdempotencyKey, Int64, String, Int64)] = []
            let rows = try await connection.query(
                """
                SELECT g.id, g.player_id, g.currency, g.units, s.grant_id IS NOT NULL FROM bonuses_grants g
                  LEFT JOIN bonuses_free_spins s ON s.grant_id = g.id ORDER BY g.id
                """, logger: logger)
            for try await (id, player, currency, units, spins) in rows.decode((Int64, Int64, String, Int64, Bool).self) where !spins {
                claims.append((Grants.grantKey(id), player, currency, units))
            }
            let wins = try await connection.query(
                """
                SELECT w.provider, w.transaction_uuid, g.player_id, g.currency, w.units
                  FROM bonuses_free_spin_wins w JOIN bonuses_grants g ON g.id = w.grant_id
                """, logger: logger)
            for try await (provider, transaction, player, currency, units) in wins.decode((String, String, Int64, String, Int64).self) {
                claims.append((FreeSpinWins.key(provider: provider, transaction: transaction), player, currency, units))
            }
            let unsummed = try await connection.query(
                """
                SELECT (SELECT count(*) FROM bonuses_free_spins s JOIN bonuses_grants g ON g.id = s.grant_id
                         WHERE g.units <> (SELECT coalesce(sum(w.units), 0) FROM bonuses_free_spin_wins w WHERE w.grant_id = g.id))::int
                     + (SELECT count(*) FROM bonuses_free_spin_wins w
                         WHERE NOT EXISTS (SELECT 1 FROM bonuses_free_spins s WHERE s.grant_id = w.grant_id))::int
                """, logger: logger)
            var count = 0
            for try await value in unsummed.decode(Int.self) { count = value }
            return (claims, count)
        }
        var violations = unsummed
        let claimed = Set(claims.map(\.0.key))
        violations += try await ledger.keys(ofKind: "bonus_grant", scope: Grants.grantKey(0).scope).subtracting(claimed).count
        for (key, player, currency, units) in claims {
            let recorded = try await ledger.operation(key)
            if recorded?.kind != "bonus_grant" || recorded?.player != PlayerID(player) || recorded?.currency != currency
                || recorded?.units != units
            {
                violations += 1
            }
        }
        return violations
    }
}
