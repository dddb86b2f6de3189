import Foundation
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Games

/// Games publish what reports say of a game beside its code (docs/events.md): a new game, and a
/// new name or category, each once; a refresh that changes neither publishes nothing.
@Suite struct GameEventsTests {
    @Test func aCatalogueChangePublishesTheGamesNameAndCategory() async throws {
        try await TestDatabase.with { database in
            let directory = ProviderDirectory(database: database, secret: .random(), logger: TestServices.logger)
            try await ProviderRegistryTests.addProvider("acme", to: directory)
            try await directory.upsert([
                Game(provider: "acme", code: "slot", name: "Starburst", category: "slots"),
                Game(provider: "acme", code: "dice", name: "Dice", category: "table"),
            ])
            try await directory.upsert([
                Game(provider: "acme", code: "slot", name: "Starburst", category: "slots", thumbnailURL: "https://cdn.example/s.png"),
                Game(provider: "acme", code: "dice", name: "Dice", category: "dice"),
            ])
            try await directory.upsert([Game(provider: "acme", code: "slot", name: "Starburst XXL", category: "slots")])
            try await directory.setGame(provider: "acme", code: "dice", enabled: false)
            let events = try await database.withConnection { connection in
                try await connection.query(
                    "SELECT subject || ' ' || payload::text FROM outbox WHERE subject LIKE 'croupier.games.%' ORDER BY id",
                    logger: TestServices.logger
                ).collect().map { try $0.decode(String.self) }
            }
            #expect(
                events == [
                    #"croupier.games.game_changed {"game": "slot", "name": "Starburst", "category": "slots", "provider": "acme"}"#,
                    #"croupier.games.game_changed {"game": "dice", "name": "Dice", "category": "table", "provider": "acme"}"#,
                    #"croupier.games.game_changed {"game": "dice", "name": "Dice", "category": "dice", "provider": "acme"}"#,
                    #"croupier.games.game_changed {"game": "slot", "name": "Starburst XXL", "category": "slots", "provider": "acme"}"#,
                ], "a thumbnail or the staff's switch is no analytics dimension")
        }
    }
}
