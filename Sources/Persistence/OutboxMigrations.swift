import Foundation

/// The outbox's PostgreSQL migration (`Migrations/`): the table every context writes its events to in its own transaction and the relay publishes. `Schema` applies them with every other context's in one global order.
public enum OutboxMigrations {
    public static func postgres() throws -> [Migration] { try Migration.bundled(in: .module, owner: "outbox") }
}
