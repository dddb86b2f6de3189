import Bonuses
import Compliance
import Games
import Identity
import Ledger
import Payments
import Persistence
import Reporting

/// The schema this build carries. Each context owns its migrations (its `Migrations` folder);
/// this is the one place that lists the contexts, and their migrations run in one global order
/// by version. A migration is recorded by version, name and checksum only, never by folder, so
/// moving a file between folders changes nothing for a database that applied it.
extension MigrationSet {
    /// The PostgreSQL migrations of the outbox, Ledger, Identity, Games, Payments, Compliance,
    /// Bonuses and Reporting (its saved reports; its ClickHouse ones are below).
    public static func postgres() throws -> MigrationSet {
        try MigrationSet(
            engine: "postgres",
            migrations: OutboxMigrations.postgres() + LedgerMigrations.postgres() + IdentityMigrations.postgres()
                + GamesMigrations.postgres() + PaymentsMigrations.postgres() + ComplianceMigrations.postgres()
                + BonusesMigrations.postgres() + ReportingMigrations.postgres())
    }

    /// Reporting's ClickHouse migrations.
    public static func clickHouse() throws -> MigrationSet {
        try MigrationSet(engine: "clickhouse", migrations: ReportingMigrations.clickHouse())
    }
}
