import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import App

/// The console's players area over HTTP: sections and actions follow the role's permissions,
/// every action needs a reason, a role without players.manage is refused even with a valid
/// CSRF token, and search text and filters that do not read are data, not errors.
@Suite struct AdminPlayersPagesTests {
    @Test func sectionsAndActionsFollowTheRoleAndABlockNeedsAReason() async throws {
        try await withTestApp { client, dependencies, database in
            let secret = dependencies.configuration.secretKey
            let player = try await Self.player(database, username: "needle_1")
            let support = try await staffSessionCookies(client, database, secret, role: .support)
            let page = try await client.execute(uri: "/admin/players/\(player)", method: .get, headers: [.cookie: support])
            #expect(page.status == .ok)
            for shown in ["block-form", "player-balances", "player-kyc", "player-rounds"] {
                #expect(page.text.contains(#"data-testid="\#(shown)""#), "support sees \(shown)")
            }
            #expect(!page.text.contains(#"data-testid="player-audit""#), "no audit.view: the section is left out")

            let csrf = try #require(Self.csrfToken(in: page.text))
            let unexplained = try await Self.post(client, "/admin/players/\(player)/block", reason: " ", csrf: csrf, cookies: support)
            #expect(unexplained.headers[.location] == "/admin/players/\(player)?result=reasonRequired")
            #expect(try await Self.blocked(player, database) == false)
            let blocked = try await Self.post(client, "/admin/players/\(player)/block", reason: "stolen card", csrf: csrf, cookies: support)
            #expect(blocked.headers[.location] == "/admin/players/\(player)?result=blocked")
            #expect(try await Self.blocked(player, database) == true)

            let analyst = try await staffSessionCookies(client, database, secret, role: .analyst)
            let analystPage = try await client.execute(uri: "/admin/players/\(player)", method: .get, headers: [.cookie: analyst])
            #expect(analystPage.status == .ok)
            for hidden in ["unblock-form", "player-actions", "player-balances", "player-kyc"] {
                #expect(!analystPage.text.contains(#"data-testid="\#(hidden)""#), "an analyst does not see \(hidden)")
            }
            let analystToken = try #require(Self.csrfToken(in: analystPage.text))
            let refused = try await Self.post(
                client, "/admin/players/\(player)/unblock", reason: "mine", csrf: analystToken, cookies: analyst)
            #expect(refused.status == .forbidden)
            #expect(try await Self.blocked(player, database) == true)

            let unknown = try await client.execute(uri: "/admin/players/987654321", method: .get, headers: [.cookie: support])
            #expect(unknown.status == .notFound)
        }
    }

    @Test func theSearchTreatsHostileTextAsDataAndNamesFiltersThatDoNotRead() async throws {
        try await withTestApp { client, dependencies, database in
            let secret = dependencies.configuration.secretKey
            let player = try await Self.player(database, username: "needle_2")
            let support = try await staffSessionCookies(client, database, secret, role: .support)
            func search(_ query: String, _ cookies: String) async throws -> String {
                let answer = try await client.execute(uri: "/admin/players?\(query)", method: .get, headers: [.cookie: cookies])
                #expect(answer.status == .ok, "\(query)")
                return answer.text
            }
            #expect(try await search("q=%40NEEDLE_2", support).contains(#"data-player="\#(player)""#))
            let hostile = try await search("q=%27%20OR%201%3D1--%20%25&registeredFrom=yesterday", support)
            #expect(hostile.contains(#"data-testid="players-empty""#))
            #expect(hostile.contains(#"data-testid="players-invalid""#))
            #expect(try await search("q=needle%5F&state=blocked", support).contains(#"data-testid="players-empty""#))
            #expect(try await search("", support).contains(#"name="balanceFrom""#), "support has money.view")
            #expect(try await search("balanceFrom=10", support).contains(#"data-testid="players-invalid""#), "an amount needs its currency")
            let rich = try await search("currency=EUR&balanceFrom=0.00001", support)
            #expect(!rich.contains(#"data-testid="players-invalid""#) && rich.contains(#"data-testid="players-empty""#))

            let analyst = try await staffSessionCookies(client, database, secret, role: .analyst)
            let analystSearch = try await search("", analyst)
            #expect(!analystSearch.contains(#"name="balanceFrom""#) && !analystSearch.contains(#"name="level""#))
            let redirected = try await client.execute(uri: "/admin/search?q=needle", method: .get, headers: [.cookie: analyst])
            #expect(redirected.headers[.location] == "/admin/players?q=needle")
        }
    }

    static func player(_ database: Database, username: String) async throws -> Int64 {
        let telegram = Int64.random(in: 1...Int64(Int32.max))
        return try await database.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO identity_players (telegram_id, telegram_username, email, email_confirmed_at, adult_confirmed_at, terms_accepted_at)
                VALUES (\(telegram), \(username), \("\(username)@example.test"), now(), now(), now()) RETURNING id
                """, logger: TestServices.logger
            ).collect().first!.decode(Int64.self)
        }
    }

    static func blocked(_ player: Int64, _ database: Database) async throws -> Bool? {
        try await database.withConnection { connection in
            try await connection.query("SELECT blocked FROM identity_players WHERE id = \(player)", logger: TestServices.logger)
                .collect().first?.decode(Bool.self)
        }
    }

    static func csrfToken(in page: String) -> String? {
        page.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/).map { String($0.1) }
    }

    static func post(_ client: any TestClientProtocol, _ uri: String, reason: String, csrf: String, cookies: String) async throws
        -> TestResponse
    {
        let body = "csrf=\(csrf)&reason=\(reason.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")"
        return try await client.execute(
            uri: uri, method: .post, headers: [.cookie: cookies, .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body))
    }
}
