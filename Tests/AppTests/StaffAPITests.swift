import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import IdentityTesting
import Ledger
import Persistence
import TestSupport
import Testing

@testable import App

@Suite struct StaffAPITests {
    /// Creates a staff member directly and returns its TOTP URI.
    func createStaff(_ database: Database, secret: SecretKey, email: String, role: StaffRole) async throws -> String {
        try await StaffDirectory(database: database, secret: secret, logger: TestServices.logger, bcryptCost: 4)
            .create(email: email, password: "a long enough password", role: role).otpauth
    }

    func withStaffApp(_ body: @escaping @Sendable (any TestClientProtocol, Database, SecretKey) async throws -> Void) async throws {
        try await withTestApp { client, dependencies, database in
            try await body(client, database, dependencies.configuration.secretKey)
        }
    }

    func login(_ client: any TestClientProtocol, email: String, totp: String) async throws -> TestResponse {
        try await client.execute(
            uri: "/api/v1/staff/login", method: .post, headers: [.contentType: "application/json"],
            body: ByteBuffer(string: #"{"email":"\#(email)","password":"a long enough password","totp":"\#(totp)"}"#))
    }

    static func cookies(_ response: TestResponse) -> String {
        response.headers[values: .setCookie].compactMap { $0.split(separator: ";").first.map(String.init) }.joined(separator: "; ")
    }

    @Test func signInWithoutOrWithAWrongTOTPFails() async throws {
        try await withStaffApp { client, database, secret in
            let uri = try await createStaff(database, secret: secret, email: "o@casino.example", role: .owner)
            #expect(try await login(client, email: "o@casino.example", totp: "").status == .unauthorized)
            let wrong = try await login(client, email: "o@casino.example", totp: RFC6238.code(uri: uri, at: Date().addingTimeInterval(900)))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil)
            let good = try await login(client, email: "o@casino.example", totp: RFC6238.code(uri: uri, at: Date()))
            #expect(good.status == .ok)
            #expect(Self.cookies(good).contains("croupier_staff="))
            let json = try good.json()
            #expect((json["staff"] as? [String: Any])?["role"] as? String == "owner")
            let failures = try await AuditLog(database: database, logger: TestServices.logger).search(.init(action: "staff.login_failed"))
            #expect(failures.count == 2)
            #expect(failures.first?.entry.summary["reason"] == "wrongTOTP")
        }
    }

    @Test func anAnalystCallingAFinanceRouteGets403AndAnAuditRow() async throws {
        try await withStaffApp { client, database, secret in
            let uri = try await createStaff(database, secret: secret, email: "analyst@casino.example", role: .analyst)
            let signedIn = try await login(client, email: "analyst@casino.example", totp: RFC6238.code(uri: uri, at: Date()))
            let csrf = try #require(try signedIn.json()["csrfToken"] as? String)
            let response = try await client.execute(
                uri: "/api/v1/staff/adjustments", method: .post,
                headers: [.contentType: "application/json", .cookie: Self.cookies(signedIn), HTTPField.Name("X-CSRF-Token")!: csrf],
                body: ByteBuffer(string: #"{"player":42,"currency":"EUR","amount":"10.00","reason":"test"}"#))
            #expect(response.status == .forbidden)
            let refused = try await AuditLog(database: database, logger: TestServices.logger).search(.init(action: "access.refused"))
            #expect(refused.count == 1)
            #expect(refused.first?.entry.summary["permission"] == "money.adjust")
            #expect(try await Ledger(database: database, logger: TestServices.logger).balances(of: PlayerID(42)).isEmpty, "no money moved")
        }
    }

    @Test func financeAdjustsWithTheCSRFHeaderOnly() async throws {
        try await withStaffApp { client, database, secret in
            let uri = try await createStaff(database, secret: secret, email: "finance@casino.example", role: .finance)
            let signedIn = try await login(client, email: "finance@casino.example", totp: RFC6238.code(uri: uri, at: Date()))
            let csrf = try #require(try signedIn.json()["csrfToken"] as? String)
            try await SyntheticPlayers.create(ids: [42], database: database, logger: TestServices.logger)
            let body = ByteBuffer(string: #"{"player":42,"currency":"EUR","amount":"10.50","reason":"goodwill"}"#)
            let withoutToken = try await client.execute(
                uri: "/api/v1/staff/adjustments", method: .post,
                headers: [.contentType: "application/json", .cookie: Self.cookies(signedIn)], body: body)
            #expect(withoutToken.status == .forbidden)
            let headers: HTTPFields = [
                .contentType: "application/json", .cookie: Self.cookies(signedIn), HTTPField.Name("X-CSRF-Token")!: csrf,
            ]
            let withoutKey = try await client.execute(uri: "/api/v1/staff/adjustments", method: .post, headers: headers, body: body)
            #expect(withoutKey.status == .badRequest)
            #expect(((try withoutKey.json()["error"] as? [String: Any])?["code"] as? String) == "idempotencyKeyRequired")
            var keyed = headers
            keyed[HTTPField.Name("Idempotency-Key")!] = "ticket-1017"
            let adjusted = try await client.execute(uri: "/api/v1/staff/adjustments", method: .post, headers: keyed, body: body)
            #expect(adjusted.status == .ok)
            #expect((try adjusted.json()["balanceAfter"] as? [String: String])?["real"] == "10.50000")
            let retried = try await client.execute(uri: "/api/v1/staff/adjustments", method: .post, headers: keyed, body: body)
            #expect((try retried.json()["balanceAfter"] as? [String: String])?["real"] == "10.50000", "a retry applies once")
            let rows = try await AuditLog(database: database, logger: TestServices.logger).search(.init(action: "money.adjusted"))
            #expect(rows.map { $0.entry.summary["replayed"] } == ["true", "false"], "each attempt audited, newest first")
            #expect(rows.allSatisfy { $0.entry.summary["code"] == "ok" && $0.entry.actor.hasPrefix("staff:") })
            let tooPrecise = try await client.execute(
                uri: "/api/v1/staff/adjustments", method: .post, headers: keyed,
                body: ByteBuffer(string: #"{"player":42,"currency":"EUR","amount":"0.000001","reason":"x"}"#))
            #expect(tooPrecise.status == .badRequest)
            #expect(((try tooPrecise.json()["error"] as? [String: Any])?["code"] as? String) == "amountNotRepresentable")
        }
    }

    @Test func anAdjustmentForAnIdNoPlayerHasIsRefusedAndWritesNothing() async throws {
        try await withTestApp { client, dependencies, database in
            let uri = try await createStaff(
                database, secret: dependencies.configuration.secretKey, email: "finance@casino.example", role: .finance)
            let signedIn = try await login(client, email: "finance@casino.example", totp: RFC6238.code(uri: uri, at: Date()))
            let csrf = try #require(try signedIn.json()["csrfToken"] as? String)
            let refused = try await client.execute(
                uri: "/api/v1/staff/adjustments", method: .post,
                headers: [
                    .contentType: "application/json", .cookie: Self.cookies(signedIn), HTTPField.Name("X-CSRF-Token")!: csrf,
                    HTTPField.Name("Idempotency-Key")!: "ticket-404",
                ],
                body: ByteBuffer(string: #"{"player":424242,"currency":"EUR","amount":"10.00","reason":"goodwill"}"#))
            #expect(refused.status == .badRequest)
            #expect(((try refused.json()["error"] as? [String: Any])?["code"] as? String) == "playerNotFound")
            #expect(try await dependencies.ledger.balances(of: PlayerID(424242)).isEmpty, "no accounts opened for nobody")
            let rows = try await AuditLog(database: database, logger: TestServices.logger).search(.init(action: "money.adjusted"))
            #expect(rows.isEmpty)
        }
    }

    @Test func staffPagesNeedASession() async throws {
        try await withStaffApp { client, _, _ in
            for uri in ["/admin", "/admin/staff", "/admin/audit"] {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .seeOther || response.status == .found, "\(uri)")
                #expect(response.headers[.location] == "/admin/login")
            }
            let api = try await client.execute(uri: "/api/v1/staff/adjustments", method: .post, body: ByteBuffer(string: "{}"))
            #expect(api.status == .unauthorized)
        }
    }
}
