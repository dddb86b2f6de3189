import Core
import Foundation
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Identity

/// Player status as other contexts see it, and Identity's bet check as the ledger runs it.
@Suite struct PlayerStatusesTests {
    static let registered = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    @Test func aPlayerHasARegistrationDateAndMayBetUntilDisabled() async throws {
        try await TestDatabase.with { database in
            let statuses = PlayerStatuses(database: database, logger: TestServices.logger)
            let player = try await Self.player(in: database)
            #expect(try await statuses.status(of: player) == PlayerStatus(registeredAt: Self.registered, disabled: false))
            #expect(try await Self.betCheck(player, in: database) == nil)

            try await Self.disable(player, in: database)
            let disabled = try await statuses.status(of: player)
            #expect(disabled?.disabled == true && disabled?.mayBet == false)
            #expect(try await Self.betCheck(player, in: database) == "userDisabled")
        }
    }

    @Test func anUnknownIdHasNoStatus() async throws {
        try await TestDatabase.with { database in
            let statuses = PlayerStatuses(database: database, logger: TestServices.logger)
            let status = try await statuses.status(of: PlayerID(987_654_321))
            #expect(status == nil)
        }
    }

    static func player(in database: Database) async throws -> PlayerID {
        let telegram = Int64.random(in: 1...Int64(Int32.max))
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                INSERT INTO identity_players (telegram_id, email, email_confirmed_at, adult_confirmed_at, terms_accepted_at, created_at)
                VALUES (\(telegram), \("p\(telegram)@test.invalid"), now(), now(), now(), \(registered)) RETURNING id
                """, logger: TestServices.logger)
            for try await id in rows.decode(Int64.self) { return PlayerID(id) }
            throw PostgresNoRow()
        }
    }

    static func disable(_ player: PlayerID, in database: Database) async throws {
        try await database.withConnection { connection in
            _ = try await connection.query(
                "UPDATE identity_players SET disabled_at = now() WHERE id = \(player.rawValue)", logger: TestServices.logger
            ).collect()
        }
    }

    /// The check by the name Identity publishes, called as the ledger calls its hooks.
    static func betCheck(_ player: PlayerID, in database: Database) async throws -> String? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT \(PlayerStatuses.betCheck.function)::regproc::text", logger: TestServices.logger)
            var function = ""
            for try await name in rows.decode(String.self) { function = name }
            // The name was just resolved by the database as an existing function's.
            let call = try await connection.query(
                PostgresQuery(unsafeSQL: "SELECT \(function)(\(player.rawValue), '{}'::jsonb)"), logger: TestServices.logger)
            for try await refusal in call.decode(String?.self) { return refusal }
            return nil
        }
    }

    struct PostgresNoRow: Error {}
}
