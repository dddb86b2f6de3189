import Foundation
import Persistence

/// Reporting's ClickHouse migrations (`Migrations/`: the events table reports read). `Schema` applies them with every other context's in one global order.
public enum ReportingMigrations {
    public static func clickHouse() throws -> [Migration] { try Migration.bundled(in: .module, owner: "reporting") }
}
