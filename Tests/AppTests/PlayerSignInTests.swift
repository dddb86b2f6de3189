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

/// The whole two-factor flow over HTTP. Telegram's signature is made by Python
/// (Tests/IdentityTests/telegram_sign.py), never by the code under test.
@Suite struct PlayerSignInTests {
    /// Asks Tests/IdentityTests/telegram_sign.py to sign as Telegram does.
    static func telegramSign(_ request: [String: Any]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", packageRoot().appendingPathComponent("Tests/IdentityTests/telegram_sign.py").path]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: request))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static func signWidget(id: Int64, username: String, authDate: Date = Date()) throws -> [String: String] {
        try telegramSign([
            "kind": "widget", "botToken": testBotToken,
            "fields": [
                "id": String(id), "first_name": "Test", "username": username, "auth_date": String(Int(authDate.timeIntervalSince1970)),
            ],
        ])["fields"] as? [String: String] ?? [:]
    }

    func withApp(_ body: @escaping @Sendable (any TestClientProtocol, Database) async throws -> Void) async throws {
        try await withTestApp { client, _, database in try await body(client, database) }
    }

    static func post(_ client: any TestClientProtocol, _ uri: String, _ json: [String: Any], cookie: String = "") async throws
        -> TestResponse
    {
        var headers: HTTPFields = [.contentType: "application/json"]
        if !cookie.isEmpty { headers[.cookie] = cookie }
        return try await client.execute(
            uri: uri, method: .post, headers: headers, body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: json)))
    }

    static func cookie(_ response: TestResponse, _ name: String) -> String? {
        response.headers[values: .setCookie].first { $0.hasPrefix("\(name)=") }?.split(separator: ";").first.map(String.init)
    }

    /// The newest sign-in code mailed to `email`, read from the mail queue.
    static func mailedCode(_ database: Database, to email: String) async throws -> String {
        let rows = try await database.withConnection { connection in
            try await connection.query(
                "SELECT text_body FROM identity_mail_outbox WHERE recipient = \(email) ORDER BY id DESC LIMIT 1",
                logger: TestServices.logger
            ).collect()
        }
        let text = try rows.first?.decode(String.self) ?? ""
        return String(try #require(text.firstMatch(of: /\b(\d{6})\b/)?.1))
    }

    static func players(_ database: Database) async throws -> Int {
        try await database.withConnection {
            try await $0.query("SELECT count(*) FROM identity_players", logger: TestServices.logger).collect()
        }[0].decode(Int.self)
    }

    @Test func telegramThenEmailThenCodeSignsInAndTheDeviceIsRemembered() async throws {
        try await withApp { client, database in
            let first = try await Self.post(
                client, "/api/v1/auth/telegram", ["widget": try Self.signWidget(id: 5_550_001, username: "anna")])
            #expect(first.status == .ok)
            let challenge = try #require(try first.json()["challenge"] as? String)
            #expect(try first.json()["next"] as? String == "email")
            let device = try #require(Self.cookie(first, "croupier_device"))

            let refused = try await Self.post(
                client, "/api/v1/auth/email", ["challenge": challenge, "email": "anna@example.com", "adult": false, "acceptTerms": true])
            #expect(refused.status == .badRequest)
            #expect(try await Self.players(database) == 0)

            let email = try await Self.post(
                client, "/api/v1/auth/email", ["challenge": challenge, "email": "Anna@Example.com", "adult": true, "acceptTerms": true])
            #expect(try email.json()["next"] as? String == "code")
            #expect(try await Self.players(database) == 0, "the account exists only once the e-mail is confirmed")
            let code = try await Self.mailedCode(database, to: "anna@example.com")

            let done = try await Self.post(client, "/api/v1/auth/code", ["challenge": challenge, "code": code], cookie: device)
            #expect(try done.json()["next"] as? String == "done")
            let session = try #require(Self.cookie(done, "croupier_session"))
            let reused = try await Self.post(client, "/api/v1/auth/code", ["challenge": challenge, "code": code], cookie: device)
            #expect(reused.status == .unauthorized, "a code is single use")

            let me = try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: session])
            let profile = try #require(try me.json()["player"] as? [String: Any])
            #expect(profile["email"] as? String == "anna@example.com")
            #expect(profile["telegramId"] as? String == "5550001")
            let csrf = try #require(try me.json()["csrfToken"] as? String)

            // Each signing differs in more than auth_date, so a slow run cannot make two of them
            // identical (which the replay guard would rightly refuse).
            let again = try await Self.post(
                client, "/api/v1/auth/telegram",
                ["widget": try Self.signWidget(id: 5_550_001, username: "anna_again", authDate: Date().addingTimeInterval(-5))],
                cookie: device)
            #expect(try again.json()["next"] as? String == "done", "a device confirmed within 30 days needs no new code")

            let otherDevice = try await Self.post(
                client, "/api/v1/auth/telegram",
                ["widget": try Self.signWidget(id: 5_550_001, username: "anna_elsewhere", authDate: Date().addingTimeInterval(-9))])
            #expect(try otherDevice.json()["next"] as? String == "code", "a new device needs a fresh code")

            let seed = try #require(Self.cookie(me, "csrf_seed"))
            let withoutToken = try await client.execute(
                uri: "/api/v1/auth/logout", method: .post, headers: [.cookie: "\(session); \(seed)"])
            #expect(withoutToken.status == .forbidden)
            let logout = try await client.execute(
                uri: "/api/v1/auth/logout", method: .post, headers: [.cookie: "\(session); \(seed)", HTTPField.Name("X-CSRF-Token")!: csrf])
            #expect(logout.status == .ok)
            #expect(try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: session]).status == .unauthorized)
            let logins = try await database.withConnection { connection in
                try await connection.query(
                    "SELECT actor FROM identity_audit_log WHERE action = 'player.login'", logger: TestServices.logger
                )
                .collect().map { try $0.decode(String.self) }
            }
            #expect(logins.count == 2, "the code sign-in and the trusted-device sign-in")
            #expect(Set(logins).count == 1 && logins.first?.hasPrefix("player:") == true)
            #expect(try await client.execute(uri: "/profile", method: .get).headers[.location] == "/signin", "the profile needs a session")
        }
    }

    @Test func signedTelegramDataIsAcceptedOnceAndTamperingIsRefused() async throws {
        try await withApp { client, database in
            let widget = try Self.signWidget(id: 5_550_002, username: "ivan")
            #expect(try await Self.post(client, "/api/v1/auth/telegram", ["widget": widget]).status == .ok)
            let replay = try await Self.post(client, "/api/v1/auth/telegram", ["widget": widget])
            #expect(replay.status == .unauthorized)
            #expect((try replay.json()["error"] as? [String: Any])?["code"] as? String == "telegramReplayed")
            var changed = try Self.signWidget(id: 5_550_003, username: "eve")
            changed["id"] = "5550004"
            let tampered = try await Self.post(client, "/api/v1/auth/telegram", ["widget": changed])
            #expect((try tampered.json()["error"] as? [String: Any])?["code"] as? String == "telegramSignatureInvalid")
            let stale = try await Self.post(
                client, "/api/v1/auth/telegram",
                ["widget": try Self.signWidget(id: 5_550_005, username: "old", authDate: Date().addingTimeInterval(-3600))])
            #expect((try stale.json()["error"] as? [String: Any])?["code"] as? String == "telegramAuthExpired")
            #expect(try await Self.players(database) == 0)
        }
    }

    static func signInitData(id: Int64) throws -> (initData: String, publicKey: String) {
        let user = #"{"id":\#(id),"first_name":"Mini","username":"mini\#(id)"}"#
        let answer = try telegramSign([
            "kind": "initData", "botToken": testBotToken,
            "fields": ["user": user, "auth_date": String(Int(Date().timeIntervalSince1970)), "query_id": "AAF\(id)"],
        ])
        return (answer["initData"] as? String ?? "", answer["publicKey"] as? String ?? "")
    }

    @Test func miniAppInitDataInTheAuthorizationHeaderStartsASignInAndEveryOutcomeIsAudited() async throws {
        let (initData, publicKey) = try Self.signInitData(id: 5_550_010)
        try await withTestApp(
            configure: { $0.telegram.publicKey = publicKey },
            { client, _, database in
                let accepted = try await client.execute(
                    uri: "/api/v1/auth/telegram", method: .post, headers: [.authorization: "tma \(initData)"])
                #expect(accepted.status == .ok)
                #expect(try accepted.json()["next"] as? String == "email")
                let replayed = try await client.execute(
                    uri: "/api/v1/auth/telegram", method: .post, headers: [.authorization: "tma \(initData)"])
                #expect((try replayed.json()["error"] as? [String: Any])?["code"] as? String == "telegramReplayed")
                let tampered = try await client.execute(
                    uri: "/api/v1/auth/telegram", method: .post,
                    headers: [.authorization: "tma \(initData.replacingOccurrences(of: "Mini", with: "Evil"))"])
                #expect((try tampered.json()["error"] as? [String: Any])?["code"] as? String == "telegramSignatureInvalid")

                let page = try await client.execute(uri: "/telegram/app", method: .get)
                #expect(page.status == .ok)
                #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'self' https://*.telegram.org") == true)
                #expect(page.headers[HTTPField.Name("X-Frame-Options")!] == nil)
                let other = try await client.execute(uri: "/signin", method: .get)
                #expect(other.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
                #expect(other.headers[HTTPField.Name("X-Frame-Options")!] == "DENY")
                let audited = try await database.withConnection { connection in
                    try await connection.query(
                        "SELECT action, actor, summary->>'reason' FROM identity_audit_log WHERE action LIKE 'player.%' ORDER BY id",
                        logger: TestServices.logger
                    ).collect().map { try $0.decode((String, String, String?).self) }
                }
                #expect(audited.map(\.0) == ["player.login_failed", "player.login_failed"])
                #expect(audited.map(\.2) == ["telegramReplayed", "telegramSignatureInvalid"])
                #expect(audited.first?.1 == "telegram:5550010", "a replay names the Telegram account it tried")
                #expect(try await AuditLog(database: database, logger: TestServices.logger).verify().firstBroken == nil)
            })
    }

    @Test func fiveWrongCodesLockTheChallenge() async throws {
        try await withApp { client, database in
            let first = try await Self.post(
                client, "/api/v1/auth/telegram", ["widget": try Self.signWidget(id: 5_550_006, username: "lock")])
            let challenge = try #require(try first.json()["challenge"] as? String)
            _ = try await Self.post(
                client, "/api/v1/auth/email", ["challenge": challenge, "email": "lock@example.com", "adult": true, "acceptTerms": true])
            let code = try await Self.mailedCode(database, to: "lock@example.com")
            let wrong = code == "000000" ? "111111" : "000000"
            var codes: [String] = []
            for _ in 0..<5 {
                let response = try await Self.post(client, "/api/v1/auth/code", ["challenge": challenge, "code": wrong])
                codes.append((try response.json()["error"] as? [String: Any])?["code"] as? String ?? "")
            }
            #expect(codes == ["codeInvalid", "codeInvalid", "codeInvalid", "codeInvalid", "codeLocked"])
            let right = try await Self.post(client, "/api/v1/auth/code", ["challenge": challenge, "code": code])
            #expect((try right.json()["error"] as? [String: Any])?["code"] as? String == "codeLocked")
            let resend = try await Self.post(client, "/api/v1/auth/code/resend", ["challenge": challenge])
            #expect(resend.status == .tooManyRequests, "resending waits a minute")
            #expect(try await Self.players(database) == 0)
        }
    }
}

@Suite struct SignInRateLimitTests {
    @Test func oneAddressHammeringSignInGets429WithRetryAfter() async throws {
        // The clock stands still 20 seconds before the end of a window, so every attempt counts
        // in the same window however slowly the machine answers.
        let windowEnd =
            (Date().timeIntervalSince1970 / RateLimiter.Rule.perAddress.window).rounded(.up) * RateLimiter.Rule.perAddress.window
        let now = Date(timeIntervalSince1970: windowEnd - 20)
        try await withTestApp(now: now) { client, _, _ in
            let limit = RateLimiter.Rule.perAddress.limit
            for attempt in 1...limit {
                let response = try await PlayerSignInTests.post(
                    client, "/api/v1/auth/code", ["challenge": "bogus-\(attempt)", "code": "000000"])
                #expect(response.status == .unauthorized, "attempt \(attempt) of \(limit) is within the allowance")
            }
            let refused = try await PlayerSignInTests.post(client, "/api/v1/auth/code", ["challenge": "bogus-over", "code": "000000"])
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "20", "the window ends 20 seconds after the fixed clock")
            #expect((try refused.json()["error"] as? [String: Any])?["code"] as? String == "rateLimited")
        }
    }
}
