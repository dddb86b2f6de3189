import Foundation
import Persistence

/// Identity's PostgreSQL migrations (`Migrations/`: players, staff, sessions, mail, rate limits, the audit log). `Schema` applies them with every other context's in one global order.
public enum IdentityMigrations {
    public static func postgres() throws -> [Migration] { try Migration.bundled(in: .module, owner: "identity") }
}
