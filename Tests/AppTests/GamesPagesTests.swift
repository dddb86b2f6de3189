import Core
import Foundation
import Games
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Persistence
import TestSupport
import Testing

@testable import App

@Suite struct GamesPagesTests {
    func withApp(_ body: @escaping @Sendable (any TestClientProtocol, Database, SecretKey) async throws -> Void) async throws {
        try await withTestApp { client, dependencies, database in
            try await body(client, database, dependencies.configuration.secretKey)
        }
    }

    @Test func theGamesConsoleNeedsGamesManageAndShowsKeysOnlyAsFingerprints() async throws {
        try await withApp { client, database, secret in
            let analyst = try await staffSessionCookies(client, database, secret, role: .analyst)
            #expect(try await client.execute(uri: "/admin/games", method: .get, headers: [.cookie: analyst]).status == .forbidden)
            #expect(try await client.execute(uri: "/admin/games/rounds", method: .get, headers: [.cookie: analyst]).status == .forbidden)
            let refused = try await AuditLog(database: database, logger: TestServices.logger).search(.init(action: "access.refused"))
            #expect(refused.count == 2)
            let admin = try await staffSessionCookies(client, database, secret, role: .admin)
            let page = try await client.execute(uri: "/admin/games", method: .get, headers: [.cookie: admin])
            #expect(page.status == .ok)
            #expect(page.text.contains("data-provider=\"originals\""), "Croupier Originals registers itself at start")
            #expect(page.text.contains("SHA256:"))
            #expect(!page.text.contains("BEGIN"), "no key material on the page")
        }
    }

    @Test func launchRefusalsAreNamed() async throws {
        try await withApp { client, database, _ in
            try await database.withConnection { connection in
                _ = try await connection.query(
                    """
                    INSERT INTO identity_players (id, telegram_id, email, email_confirmed_at, adult_confirmed_at, terms_accepted_at)
                    OVERRIDING SYSTEM VALUE VALUES (100900, 900, 'launch@example.com', now(), now(), now())
                    """, logger: TestServices.logger
                ).collect()
            }
            let player = try await playerSession(100900, database)
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: player)
            let csrf = try #require(try me.json()["csrfToken"] as? String)
            var headers = player
            headers[.cookie] =
                ([player[.cookie]!] + me.headers[values: .setCookie].compactMap { $0.split(separator: ";").first.map(String.init) })
                .joined(separator: "; ")
            headers[.contentType] = "application/json"
            func launch(_ body: String, csrf token: String?) async throws -> (HTTPResponse.Status, String?) {
                var sent = headers
                if let token { sent[HTTPField.Name("X-CSRF-Token")!] = token }
                let response = try await client.execute(
                    uri: "/api/v1/games/launch", method: .post, headers: sent, body: ByteBuffer(string: body))
                return (response.status, (try? response.json()["error"] as? [String: Any])?["code"] as? String)
            }
            #expect(try await launch(#"{"game":"originals:dice","currency":"EUR"}"#, csrf: nil) == (.forbidden, "csrfTokenInvalid"))
            #expect(try await launch(#"{"game":"originals:roulette","currency":"EUR"}"#, csrf: csrf) == (.notFound, "gameNotFound"))
            #expect(try await launch(#"{"game":"nobody","currency":"EUR"}"#, csrf: csrf) == (.notFound, "gameNotFound"))
            #expect(try await launch(#"{"game":"originals:dice","currency":"XYZ"}"#, csrf: csrf) == (.badRequest, "currencyNotOffered"))
            // The test server's public URL answers nothing, so Originals cannot be reached.
            #expect(try await launch(#"{"game":"originals:dice","currency":"EUR"}"#, csrf: csrf) == (.badGateway, "providerUnavailable"))
            let sessions = try await database.withConnection { connection in
                try await connection.query("SELECT count(*) FROM games_sessions WHERE player_id = 100900", logger: TestServices.logger)
                    .collect()
            }
            #expect(try sessions.first?.decode(Int.self) == 1, "only the launch that reached the provider made a session")
        }
    }

    @Test func theLobbyFiltersByCategoryProviderAndSearch() {
        let games = [
            Game(provider: "originals", code: "dice", name: "Dice", category: "originals"),
            Game(provider: "originals", code: "slot", name: "Croupier Sevens", category: "originals"),
            Game(provider: "acme", code: "roulette", name: "Lucky Roulette", category: "live-casino"),
        ]
        func shown(category: String? = nil, provider: String? = nil, search: String = "") -> [String] {
            Lobby(
                games: games, providers: [], category: category, provider: provider, search: search,
                localization: try! Localization(directory: packageRoot().appendingPathComponent("Sources/App/Resources/Locales")),
                language: "en"
            ).shown.map(\.code)
        }
        #expect(shown() == ["dice", "slot", "roulette"])
        #expect(shown(category: "live-casino") == ["roulette"])
        #expect(shown(provider: "originals") == ["dice", "slot"])
        #expect(shown(search: "SEVEN") == ["slot"])
        #expect(shown(category: "originals", search: "roulette").isEmpty)
    }
}

@Suite struct DemoSignInTests {
    @Test func developmentModeSignsInTheDemoPlayerAndNoOtherModeHasTheRoute() async throws {
        try await withLiveApp(environment: .development) { client, ledger in
            let page = try await client.execute(uri: "/dev/signin", method: .get)
            #expect(page.status == .ok)
            let csrf = try #require(page.text.firstMatch(of: /name="csrf" value="([0-9a-f]+)"/)?.1)
            let seed = page.headers[values: .setCookie].compactMap { $0.split(separator: ";").first.map(String.init) }.joined(
                separator: "; ")
            let refused = try await client.execute(
                uri: "/dev/signin", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: seed],
                body: ByteBuffer(string: "csrf=x"))
            #expect(refused.status == .forbidden)
            let signedIn = try await client.execute(
                uri: "/dev/signin", method: .post, headers: [.contentType: "application/x-www-form-urlencoded", .cookie: seed],
                body: ByteBuffer(string: "csrf=\(csrf)"))
            #expect(signedIn.status == .seeOther || signedIn.status == .found)
            #expect(signedIn.headers[.location] == "/lobby")
            let session = try #require(
                signedIn.headers[values: .setCookie].first { $0.hasPrefix("croupier_session=") }?.split(separator: ";").first.map(
                    String.init))
            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: session])
            #expect((try me.json()["player"] as? [String: Any])?["email"] as? String == "player@croupier.local")
        }
        try await withLiveApp(environment: .test) { client, _ in
            let status = try await client.execute(uri: "/dev/signin", method: .get).status
            #expect(status == .notFound)
        }
    }
}
