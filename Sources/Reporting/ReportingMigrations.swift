import Foundation
import Persistence

/// Reporting's migrations, one folder per engine so they cannot be mistaken for each other:
/// `Migrations/` for ClickHouse (the events table reports read) and `PostgresMigrations/` for
/// PostgreSQL (saved reports and schedules, tables prefixed `reporting_`). `Schema` applies each
/// with every other context's of its engine in one global order.
public enum ReportingMigrations {
    public static func clickHouse() throws -> [Migration] { try Migration.bundled(in: .module, owner: "reporting") }

    public static func postgres() throws -> [Migration] {
        try Migration.bundled(in: .module, owner: "reporting", folder: "PostgresMigrations")
    }
}
