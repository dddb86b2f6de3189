import Core
import Ledger
import Logging
import Persistence
import PostgresNIO

/// Bonuses' own invariant, checked with the ledger's (`croupier audit`; docs/bonuses.md "Audit"):
/// every grant's money is in the ledger, as the `bonus_grant` keyed by the grant, for the grant's
/// player, currency and units. A grant row without it (or with other figures) would show the
/// player a bonus that was never given, or give one nobody can account for.
public struct BonusAuditor: Sendable {
    let database: Database
    let ledger: Ledger
    let logger: Logger

    public init(database: Database, ledger: Ledger, logger: Logger) {
        self.database = database
        self.ledger = ledger
        self.logger = logger
    }

    public static let name = "every bonus grant is its ledger bonus_grant (player, currency, units)"

    /// The grants whose ledger operation is missing or differs; 0 when healthy.
    public func violations() async throws -> Int {
        let grants = try await database.withConnection { connection in
            var grants: [(Int64, Int64, String, Int64)] = []
            let rows = try await connection.query("SELECT id, player_id, currency, units FROM bonuses_grants ORDER BY id", logger: logger)
            for try await row in rows.decode((Int64, Int64, String, Int64).self) { grants.append(row) }
            return grants
        }
        var violations = 0
        for (id, player, currency, units) in grants {
            let recorded = try await ledger.operation(Grants.grantKey(id))
            if recorded?.kind != "bonus_grant" || recorded?.player != PlayerID(player) || recorded?.currency != currency
                || recorded?.units != units
            {
                violations += 1
            }
        }
        return violations
    }
}
