import Core
import Foundation
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Identity

/// The back office's players search: each filter narrows, pages neither skip nor repeat, and
/// search text is data (bound, LIKE wildcards escaped), never SQL or a pattern.
@Suite struct PlayerDirectoryTests {
    static let day: TimeInterval = 86_400
    static let start = Date(timeIntervalSince1970: 1_767_225_600)  // 2026-01-01T00:00:00Z

    /// Four players registered a day apart; returns them oldest first.
    static func players(_ database: Database) async throws -> [PlayerID] {
        let rows: [(String?, String, String, String?)] = [
            ("anna_k", "anna@example.com", "Anna", "Karenina"),
            ("annabel", "bel@example.com", "Belle", nil),
            ("a%b", "percent@example.com", "Percent", nil),
            (nil, "o'brien@example.com", "Robert'); DROP TABLE identity_players; --", nil),
        ]
        var ids: [PlayerID] = []
        for (index, (username, email, first, last)) in rows.enumerated() {
            let telegram = Int64(7_000_000 + index)
            let registered = start.addingTimeInterval(Double(index) * day)
            let id: Int64 = try await database.withConnection { connection in
                try await connection.query(
                    """
                    INSERT INTO identity_players (telegram_id, telegram_username, first_name, last_name, email, email_confirmed_at,
                                                  adult_confirmed_at, terms_accepted_at, created_at)
                    VALUES (\(telegram), \(username), \(first), \(last), \(email), now(), now(), now(), \(registered)) RETURNING id
                    """, logger: TestServices.logger
                ).collect().first!.decode(Int64.self)
            }
            ids.append(PlayerID(id))
        }
        return ids
    }

    @Test func eachFieldFindsItsPlayer() async throws {
        try await TestDatabase.with { database in
            let ids = try await Self.players(database)
            let directory = PlayerDirectory(database: database, logger: TestServices.logger)
            func found(_ search: PlayerSearch) async throws -> [PlayerID] { try await directory.search(search).players.map(\.id) }
            #expect(try await found(PlayerSearch(text: String(ids[1].rawValue))) == [ids[1]], "by id")
            #expect(try await found(PlayerSearch(text: "7000002")) == [ids[2]], "by Telegram id")
            #expect(try await found(PlayerSearch(text: "@ANNA")) == [ids[1], ids[0]], "by username prefix, any case")
            #expect(try await found(PlayerSearch(text: "@anna_")) == [ids[0]], "an underscore is a character, not a wildcard")
            #expect(try await found(PlayerSearch(text: "bel@")) == [ids[1]], "by e-mail prefix")
            #expect(try await found(PlayerSearch(text: "karenina")) == [ids[0]], "by a part of the name")
            #expect(try await found(PlayerSearch(text: "a%")) == [ids[2]], "a percent sign matches only itself")
            #expect(try await found(PlayerSearch(text: "o'brien")) == [ids[3]], "a quote is data")
            #expect(try await found(PlayerSearch(text: "drop table")) == [ids[3]], "SQL in a name is only text")
            #expect(try await found(PlayerSearch(text: "\\")) == [], "the escape character is escaped too")
            #expect(try await found(PlayerSearch(text: "99999999999999999999")) == [], "digits past Int64 are text, and match nothing")
            #expect(try await found(PlayerSearch()).count == 4, "the table survived")
        }
    }

    @Test func filtersNarrowAndPagesNeitherSkipNorRepeat() async throws {
        try await TestDatabase.with { database in
            let ids = try await Self.players(database)
            let directory = PlayerDirectory(database: database, logger: TestServices.logger)
            func found(_ search: PlayerSearch) async throws -> [PlayerID] { try await directory.search(search).players.map(\.id) }
            try await PlayerBlocks(database: database, logger: TestServices.logger).block(
                ids[0], reason: "test", by: StaffActing(actor: "staff:1"))
            #expect(try await found(PlayerSearch(state: .blocked)) == [ids[0]])
            #expect(try await found(PlayerSearch(state: .active)) == [ids[3], ids[2], ids[1]])
            #expect(try await found(PlayerSearch(state: .closed)) == [])
            #expect(
                try await found(
                    PlayerSearch(
                        registeredFrom: Self.start.addingTimeInterval(Self.day),
                        registeredUntil: Self.start.addingTimeInterval(3 * Self.day)))
                    == [ids[2], ids[1]])
            #expect(try await found(PlayerSearch(selection: .only([ids[1], ids[3]]))) == [ids[3], ids[1]])
            #expect(try await found(PlayerSearch(selection: .except([ids[1], ids[3]]))) == [ids[2], ids[0]])
            #expect(try await found(PlayerSearch(text: "@anna", selection: .only([ids[0], ids[2]]))) == [ids[0]])

            let sessions = SessionStore(database: database, logger: TestServices.logger)
            _ = try await sessions.start(
                .player(ids[2]), policy: .player, userAgent: "", ip: "", now: Self.start.addingTimeInterval(10 * Self.day))
            #expect(try await found(PlayerSearch(seenFrom: Self.start.addingTimeInterval(9 * Self.day))) == [ids[2]])
            #expect(try await directory.record(of: ids[2])?.lastSeenAt == Self.start.addingTimeInterval(10 * Self.day))

            var seen: [PlayerID] = []
            var search = PlayerSearch(limit: 3)
            var pages = 0
            while true {
                let page = try await directory.search(search)
                seen += page.players.map(\.id)
                pages += 1
                guard let next = page.next else { break }
                search.before = next
            }
            #expect(seen == ids.reversed() && pages == 2)
            #expect(try await directory.search(PlayerSearch(limit: 10_000)).players.count == 4, "the limit is capped, not refused")
        }
    }
}
