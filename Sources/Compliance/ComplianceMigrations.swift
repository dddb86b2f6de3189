import Foundation
import Persistence

/// The Compliance context (DESIGN §2, §6; docs/compliance.md): KYC, limits by level, FX rates,
/// AML alerts and cases. Its PostgreSQL migrations (`Migrations/`, tables prefixed
/// `compliance_`) run with every other context's in one global order (`Schema`).
public enum ComplianceMigrations {
    public static func postgres() throws -> [Migration] { try Migration.bundled(in: .module, owner: "compliance") }
}
