import Foundation
import Persistence

/// The Payments context (DESIGN §2, §6; docs/payments.md): gateways, deposits and the webhook
/// inbox. Its PostgreSQL migrations (`Migrations/`, tables prefixed `payments_`) run with every
/// other context's in one global order (`Schema`).
public enum PaymentsMigrations {
    public static func postgres() throws -> [Migration] { try Migration.bundled(in: .module, owner: "payments") }
}
