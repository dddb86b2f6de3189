import AsyncHTTPClient
import Foundation
import NIOCore
import Persistence
import TestSupport
import Testing

@testable import Identity

/// Against a local OpenID Connect provider (Tests/IdentityTests/oidc_provider.py) whose RSA key
/// and JWTs are made by Python's `cryptography` at test time, not by the code under test.
/// The time limit only catches a hang, never a slow machine.
@Suite(.timeLimit(.minutes(10))) struct TelegramOIDCTests {
    static let clientID = "7000002"
    static let clientSecret = "a secret: with/odd+chars"

    final class Provider: Sendable {
        let peer: ScriptServer
        var issuer: String { "http://127.0.0.1:\(peer.port)" }

        init() async throws {
            peer = try await ScriptServer(
                script: "Tests/IdentityTests/oidc_provider.py",
                arguments: ["--client-id", TelegramOIDCTests.clientID, "--client-secret", TelegramOIDCTests.clientSecret])
        }

        /// The user and the defect of the next id_token.
        func control(defect: String, userID: Int64 = 424_242, username: String = "oidc_player") async throws {
            var request = HTTPClientRequest(url: issuer + "/control")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            let body: [String: Any] = ["defect": defect, "user": ["id": userID, "name": "Olga", "preferred_username": username]]
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: body)))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
            #expect(response.status == .noContent)
        }

        func lastTokenRequest() async throws -> [String: Any] {
            let response = try await HTTPClient.shared.execute(
                HTTPClientRequest(url: issuer + "/control/last-token-request"), timeout: .seconds(60))
            let body = try await response.body.collect(upTo: 1 << 16)
            return try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] ?? [:]
        }

        /// What a browser does with the authorization URL: follow it to the provider, which
        /// approves at once and redirects to our callback with `code` and `state`.
        func authorize(_ url: String) async throws -> (code: String, state: String) {
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
            defer { _ = client.shutdown() }
            let response = try await client.execute(HTTPClientRequest(url: url), timeout: .seconds(60))
            let location = try #require(response.headers.first(name: "Location"))
            let items = URLComponents(string: location)?.queryItems ?? []
            #expect(location.hasPrefix("https://casino.test/auth/telegram/oidc/callback?"))
            return (try #require(items.first { $0.name == "code" }?.value), try #require(items.first { $0.name == "state" }?.value))
        }
    }

    func client(_ provider: Provider, _ database: Database) -> TelegramOIDC {
        TelegramOIDC(
            settings: TelegramOIDCSettings(
                issuer: provider.issuer, clientID: Self.clientID, clientSecret: Self.clientSecret,
                redirectURI: "https://casino.test/auth/telegram/oidc/callback"),
            database: database, logger: TestServices.logger)
    }

    @Test func aGoodTokenSignsInTheTelegramUserWithPKCEAndClientAuthentication() async throws {
        let provider = try await Provider()
        try await TestDatabase.with { database in
            let oidc = client(provider, database)
            try await provider.control(defect: "none", userID: 555_000_111)
            let (url, state) = try await oidc.start()
            let query = URLComponents(string: url)?.queryItems ?? []
            #expect(query.first { $0.name == "code_challenge_method" }?.value == "S256")
            #expect(query.first { $0.name == "scope" }?.value == "openid profile")
            let (code, returnedState) = try await provider.authorize(url)
            #expect(returnedState == state)
            let (user, proof) = try await oidc.finish(code: code, state: state)
            #expect(user.id == 555_000_111)
            #expect(user.username == "oidc_player")
            #expect(user.firstName == "Olga")
            #expect(proof.hasPrefix("oidc:"))

            let sent = try await provider.lastTokenRequest()
            let form = try #require(sent["form"] as? [String: String])
            #expect(sent["basic_client_id"] as? String == Self.clientID, "client_secret_basic with the form-encoded secret")
            #expect(form["grant_type"] == "authorization_code")
            #expect(form["code_verifier"].map { $0.count >= 43 } == true)
            #expect(form["client_secret"] == nil, "the secret travels in the Authorization header only")

            await #expect(throws: TelegramOIDCError.stateInvalid, "a state works once") { try await oidc.finish(code: code, state: state) }
        }
    }

    @Test(arguments: ["wrong_aud", "expired", "bad_signature", "wrong_nonce", "wrong_issuer", "unknown_kid"])
    func aDefectiveTokenIsRefused(defect: String) async throws {
        let provider = try await Provider()
        try await TestDatabase.with { database in
            let oidc = client(provider, database)
            try await provider.control(defect: defect)
            let (url, state) = try await oidc.start()
            let (code, _) = try await provider.authorize(url)
            do {
                _ = try await oidc.finish(code: code, state: state)
                Issue.record("an id_token with \(defect) was accepted")
            } catch let error as TelegramOIDCError {
                #expect(error.code == "telegramOIDCRejected", "\(error)")
            }
        }
    }

    @Test func anUnknownStateOrAForeignCodeIsRefused() async throws {
        let provider = try await Provider()
        try await TestDatabase.with { database in
            let oidc = client(provider, database)
            try await provider.control(defect: "none")
            await #expect(throws: TelegramOIDCError.stateInvalid) {
                try await oidc.finish(code: "x", state: String(repeating: "ab", count: 32))
            }
            await #expect(throws: TelegramOIDCError.stateInvalid) { try await oidc.finish(code: "x", state: "short") }
            // A real state with a code the provider never issued: the token endpoint refuses it.
            let (_, state) = try await oidc.start()
            do {
                _ = try await oidc.finish(code: "made-up", state: state)
                Issue.record("a made-up code was accepted")
            } catch let error as TelegramOIDCError {
                #expect(error.code == "telegramOIDCRejected")
            }
        }
    }

    @Test func anUnreachableProviderIsReportedAsUnavailable() async throws {
        try await TestDatabase.with { database in
            let oidc = TelegramOIDC(
                settings: TelegramOIDCSettings(
                    issuer: "http://127.0.0.1:9", clientID: "1", clientSecret: "s", redirectURI: "https://casino.test/cb"),
                database: database, logger: TestServices.logger)
            do {
                _ = try await oidc.start()
                Issue.record("started without a provider")
            } catch let error as TelegramOIDCError {
                #expect(error.code == "oidcUnavailable")
            }
        }
    }

    @Test func theChallengeIsRFC7636sExample() {
        // RFC 7636 Appendix B.
        #expect(
            TelegramOIDC.codeChallenge(for: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
    }
}
