import Foundation
import Persistence

/// The Bonuses context (DESIGN §2, §7; docs/bonuses.md): campaigns, grants, wagering,
/// conversion and forfeits. Its PostgreSQL migrations (`Migrations/`, tables prefixed
/// `bonuses_`) run with every other context's in one global order (`Schema`).
public enum BonusesMigrations {
    public static func postgres() throws -> [Migration] { try Migration.bundled(in: .module, owner: "bonuses") }
}
