import Foundation
import Persistence

/// Ledger's PostgreSQL migrations (`Migrations/`: accounts, transactions, transfers, `ledger_apply` and Ledger's SQL API). `Schema` applies them with every other context's in one global order.
public enum LedgerMigrations {
    public static func postgres() throws -> [Migration] { try Migration.bundled(in: .module, owner: "ledger") }
}
