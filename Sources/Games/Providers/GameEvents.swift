import Foundation
import Logging
import Persistence
import PostgresNIO

/// Games' event for analytics (docs/events.md): what a report says of a game beside its code.
/// Written on the catalogue change's transaction after the game's row is locked, so that the
/// outbox order is the game's order.
enum GameEvents {
    /// `croupier.games.game_changed`: a game entered the catalogue, or its name or category changed.
    struct Changed: Encodable, Sendable {
        let provider: String
        let game: String
        let name: String
        let category: String
    }

    static func changed(_ game: Game, on connection: PostgresConnection, logger: Logger) async throws {
        try await Outbox.append(
            subject: "croupier.games.game_changed",
            payload: Changed(provider: game.provider, game: game.code, name: game.name, category: game.category), on: connection,
            logger: logger)
    }
}
