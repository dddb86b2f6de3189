import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Persistence
import TestSupport
import Testing

@testable import App

/// The console and the form pages are guarded by their route groups' middleware (sign-in,
/// permission, CSRF), not by checks in each handler: every route of a group gets them.
@Suite struct RouteGuardTests {
    /// Every console route, as the router registers it.
    static let consolePosts = [
        "/admin/staff/7/disable", "/admin/staff/invite", "/admin/games/providers/originals/disable",
        "/admin/games/catalog/originals/dice/disable",
    ]
    static let consolePages = ["/admin", "/admin/staff", "/admin/audit", "/admin/games", "/admin/games/rounds"]

    @Test func withoutASessionConsolePagesGoToSignInAndConsoleFormsAre401() async throws {
        try await withLiveApp { client in
            for uri in Self.consolePages {
                let response = try await client.execute(uri: uri, method: .get)
                #expect([.seeOther, .found].contains(response.status), "\(uri)")
                #expect(response.headers[.location] == SiteRoute.adminLogin.rawValue, "\(uri)")
            }
            for uri in Self.consolePosts {
                let response = try await client.execute(
                    uri: uri, method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "csrf=x"))
                #expect(response.status == .unauthorized, "\(uri)")
            }
        }
    }

    @Test func aRoleWithoutThePermissionIsRefusedAndAuditedButAForgedFormIsRefusedFirst() async throws {
        try await withTestApp { client, dependencies, database in
            let analyst = try await staffSessionCookies(client, database, dependencies.configuration.secretKey, role: .analyst)
            let dashboard = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: analyst])
            #expect(dashboard.status == .ok, "every staff member has the dashboard")
            let cookies = [analyst, Self.seedCookie(dashboard)].compactMap { $0 }.joined(separator: "; ")
            let token = try #require(Self.csrfToken(dashboard))
            let audit = AuditLog(database: database, logger: TestServices.logger)

            for uri in Self.consolePosts {
                let forged = try await client.execute(
                    uri: uri, method: .post, headers: [.cookie: cookies, .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "role=owner"))
                #expect(forged.status == .forbidden, "\(uri)")
            }
            #expect(try await audit.search(.init(action: "access.refused")).isEmpty, "a forged form never reaches the permission check")

            for uri in Self.consolePosts {
                let refused = try await client.execute(
                    uri: uri, method: .post, headers: [.cookie: cookies, .contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "role=owner&csrf=\(token)"))
                #expect(refused.status == .forbidden, "\(uri)")
            }
            let refusals = try await audit.search(.init(action: "access.refused"))
            #expect(Set(refusals.map(\.entry.target)) == Set(Self.consolePosts))
            #expect(refusals.allSatisfy { $0.entry.actor.hasPrefix("staff:") && $0.entry.summary["role"] == "analyst" })
        }
    }

    @Test func theCSRFTokenIsAcceptedInTheHeaderInsteadOfTheForm() async throws {
        try await withTestApp { client, dependencies, database in
            let owner = try await staffSessionCookies(client, database, dependencies.configuration.secretKey, role: .owner)
            let page = try await client.execute(uri: "/admin/staff", method: .get, headers: [.cookie: owner])
            let cookies = [owner, Self.seedCookie(page)].compactMap { $0 }.joined(separator: "; ")
            let token = try #require(Self.csrfToken(page))
            let invited = try await client.execute(
                uri: "/admin/staff/invite", method: .post,
                headers: [.cookie: cookies, .contentType: "application/x-www-form-urlencoded", .csrfToken: token],
                body: ByteBuffer(string: "email=new%40casino.example&role=analyst"))
            #expect(invited.status == .ok)
            #expect(invited.text.contains("/admin/enroll/"), "the enrolment link, built from the public URL")
        }
    }

    @Test(arguments: [
        ("a=1&csrf=abc&b=2", "abc"), ("csrf=a%2Bb", "a+b"), ("csrf=", ""), ("email=x%40y", nil), ("csrfx=1", nil), ("", nil),
    ])
    func theFormFieldIsReadFromTheBody(form: String, expected: String?) {
        #expect(CSRFMiddleware.formField(in: form) == expected)
    }

    @Test func siteURLsAreBuiltFromThePublicBaseInOnePlace() {
        let site = SiteURL(publicURL: "https://casino.example/")
        #expect(site.base == "https://casino.example")
        #expect(site.isSecure)
        #expect(site.absolute(.telegramCallback) == "https://casino.example/auth/telegram/callback")
        #expect(site.staffEnrolment(token: "t0k") == "https://casino.example/admin/enroll/t0k")
        #expect(!SiteURL(publicURL: "http://127.0.0.1:8080").isSecure)
    }

    static func csrfToken(_ page: TestResponse) -> String? {
        page.text.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/).map { String($0.1) }
    }

    static func seedCookie(_ page: TestResponse) -> String? {
        page.headers[values: .setCookie].first { $0.hasPrefix(CSRFProtection.cookieName + "=") }?.split(separator: ";").first.map(
            String.init)
    }
}
