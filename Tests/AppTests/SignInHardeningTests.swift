import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

@testable import App

/// Sign-in cannot be driven from another site or another browser: CSRF tokens die with their
/// session, JSON endpoints take only JSON, and the mailed link signs in only the browser that
/// started the sign-in.
@Suite struct SignInHardeningTests {
    static func request(cookies: String) -> Request {
        Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "127.0.0.1", path: "/", headerFields: [.cookie: cookies]),
            body: .init(buffer: ByteBuffer()))
    }

    @Test func aCSRFTokenIsBoundToItsSession() {
        let csrf = CSRFProtection(secret: .random(), secureCookies: false)
        let seed = "csrf_seed=" + String(repeating: "ab", count: 32)
        let signedOut = Self.request(cookies: seed)
        let sessionA = Self.request(cookies: seed + "; croupier_session=session-a")
        let sessionB = Self.request(cookies: seed + "; croupier_session=session-b")
        let staff = Self.request(cookies: seed + "; croupier_staff=staff-a")
        let (token, newCookie) = csrf.token(for: sessionA)
        #expect(newCookie == nil, "the browser's seed is kept")
        #expect(csrf.isValid(token, for: sessionA))
        #expect(!csrf.isValid(token, for: sessionB), "another session's form")
        #expect(!csrf.isValid(token, for: signedOut), "a token outlives no sign-out")
        #expect(!csrf.isValid(csrf.token(for: signedOut).token, for: sessionA), "a token from before sign-in")
        #expect(!csrf.isValid(token, for: staff))
        let issued = csrf.token(for: signedOut, issuing: Cookie(name: "croupier_staff", value: "staff-a")).token
        #expect(csrf.isValid(issued, for: staff), "a sign-in answer's token fits the session it sets")
    }

    @Test(arguments: ["/api/v1/auth/telegram", "/api/v1/auth/email", "/api/v1/auth/code", "/api/v1/staff/login"])
    func aJSONEndpointRefusesABodyNotDeclaredJSON(path: String) async throws {
        try await withLiveApp { client in
            let body = ByteBuffer(string: #"{"challenge":"x","code":"000000","email":"a@b.c","password":"p","totp":"1","widget":{}}"#)
            for contentType in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let response = try await client.execute(uri: path, method: .post, headers: [.contentType: contentType], body: body)
                #expect(response.status == .unsupportedMediaType, "\(path) with \(contentType)")
                #expect((try response.json()["error"] as? [String: Any])?["code"] as? String == "jsonRequired")
            }
            let declared = try await client.execute(
                uri: path, method: .post, headers: [.contentType: "Application/JSON; charset=utf-8"], body: body)
            #expect(declared.status != .unsupportedMediaType, "\(path) takes JSON")
        }
    }

    @Test func theMailedLinkSignsInOnlyTheBrowserThatStartedTheSignIn() async throws {
        try await withTestApp { client, _, database in
            let started = try await PlayerSignInTests.post(
                client, "/api/v1/auth/telegram", ["widget": try PlayerSignInTests.signWidget(id: 5_550_040, username: "linked")])
            let challenge = try #require(try started.json()["challenge"] as? String)
            let flow = try #require(PlayerSignInTests.cookie(started, SignInFlowBinding.cookieName), "the answer marks this browser")
            _ = try await PlayerSignInTests.post(
                client, "/api/v1/auth/email",
                ["challenge": challenge, "email": "linked@example.com", "adult": true, "acceptTerms": true], cookie: flow)
            let code = try await PlayerSignInTests.mailedCode(database, to: "linked@example.com")
            let link = "/auth/confirm?challenge=\(challenge)&code=\(code)"

            let elsewhere = try await client.execute(uri: link, method: .get, headers: [.acceptLanguage: "en"])
            #expect(elsewhere.status == .forbidden)
            #expect(PlayerSignInTests.cookie(elsewhere, "croupier_session") == nil, "no session for another browser")
            #expect(elsewhere.text.contains("only works in the browser where you started"))
            #expect(try await PlayerSignInTests.players(database) == 0, "the code was not spent")

            let forged = try await client.execute(uri: link, method: .get, headers: [.cookie: "\(SignInFlowBinding.cookieName)=00"])
            #expect(forged.status == .forbidden)

            let here = try await client.execute(uri: link, method: .get, headers: [.cookie: flow])
            #expect(here.status == .seeOther)
            #expect(here.headers[.location] == "/wallet")
            #expect(PlayerSignInTests.cookie(here, "croupier_session") != nil)
            #expect(try await PlayerSignInTests.players(database) == 1)
        }
    }
}
