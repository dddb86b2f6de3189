import Foundation
import Persistence

/// Games' PostgreSQL migrations (`Migrations/`: providers, catalogue, game sessions, rounds, Croupier Originals). `Schema` applies them with every other context's in one global order.
public enum GamesMigrations {
    public static func postgres() throws -> [Migration] { try Migration.bundled(in: .module, owner: "games") }
}
