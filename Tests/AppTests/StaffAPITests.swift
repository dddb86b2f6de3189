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
                uri: "/api/v1/staff/adjustment-requests", method: .post,
                headers: [.contentType: "application/json", .cookie: Self.cookies(signedIn), HTTPField.Name("X-CSRF-Token")!: csrf],
                body: ByteBuffer(string: #"{"player":42,"currency":"EUR","amount":"10.00","reason":"test"}"#))
            #expect(response.status == .forbidden)
            let refused = try await AuditLog(database: database, logger: TestServices.logger).search(.init(action: "access.refused"))
            #expect(refused.count == 1)
            #expect(refused.first?.entry.summary["permission"] == "money.adjust")
            #expect(try await Ledger(database: database, logger: TestServices.logger).balances(of: PlayerID(42)).isEmpty, "no money moved")
        }
    }

    /// Signs in a new staff member of `role`; answers the headers of a JSON call with their CSRF token.
    func signedIn(_ client: any TestClientProtocol, _ database: Database, secret: SecretKey, email: String, role: StaffRole) async throws
        -> HTTPFields
    {
        let uri = try await createStaff(database, secret: secret, email: email, role: role)
        let response = try await login(client, email: email, totp: RFC6238.code(uri: uri, at: Date()))
        let csrf = try #require(try response.json()["csrfToken"] as? String)
        return [.contentType: "application/json", .cookie: Self.cookies(response), .csrfToken: csrf]
    }

    static func code(_ response: TestResponse) throws -> String? {
        (try response.json()["error"] as? [String: Any])?["code"] as? String
    }

    @Test func aRequestedCreditMovesNothingUntilASecondStaffMemberApproves() async throws {
        try await withStaffApp { client, database, secret in
            let requester = try await signedIn(client, database, secret: secret, email: "finance@casino.example", role: .finance)
            let approver = try await signedIn(client, database, secret: secret, email: "finance2@casino.example", role: .finance)
            try await SyntheticPlayers.create(ids: [42], database: database, logger: TestServices.logger)
            let ledger = Ledger(database: database, logger: TestServices.logger)
            let body = ByteBuffer(string: #"{"player":42,"currency":"EUR","amount":"10.50","reason":"goodwill"}"#)
            var withoutToken = requester
            withoutToken[.csrfToken] = nil
            let refused = try await client.execute(
                uri: "/api/v1/staff/adjustment-requests", method: .post, headers: withoutToken, body: body)
            #expect(refused.status == .forbidden)
            let withoutKey = try await client.execute(
                uri: "/api/v1/staff/adjustment-requests", method: .post, headers: requester, body: body)
            #expect(withoutKey.status == .badRequest)
            #expect(try Self.code(withoutKey) == "idempotencyKeyRequired")
            var keyed = requester
            keyed[.idempotencyKey] = "ticket-1017"
            let asked = try await client.execute(uri: "/api/v1/staff/adjustment-requests", method: .post, headers: keyed, body: body)
            #expect(asked.status == .ok)
            let request = try asked.json()
            let id = try #require(request["id"] as? String)
            #expect(request["state"] as? String == "requested")
            #expect(request["ownerRequired"] as? Bool == false)
            #expect(try await ledger.balances(of: PlayerID(42)).isEmpty, "a request moves nothing")
            let retried = try await client.execute(uri: "/api/v1/staff/adjustment-requests", method: .post, headers: keyed, body: body)
            #expect(try retried.json()["id"] as? String == id, "a retry answers the first request")
            let reused = try await client.execute(
                uri: "/api/v1/staff/adjustment-requests", method: .post, headers: keyed,
                body: ByteBuffer(string: #"{"player":42,"currency":"EUR","amount":"99.00","reason":"goodwill"}"#))
            #expect(reused.status == .conflict)
            #expect(try Self.code(reused) == "adjustmentKeyReused")

            let own = try await client.execute(uri: "/api/v1/staff/adjustment-requests/\(id)/approve", method: .post, headers: requester)
            #expect(own.status == .forbidden)
            #expect(try Self.code(own) == "ownAdjustmentRequest")
            #expect(try await ledger.balances(of: PlayerID(42)).isEmpty, "the requester's own approval moves nothing")

            let approved = try await client.execute(
                uri: "/api/v1/staff/adjustment-requests/\(id)/approve", method: .post, headers: approver)
            #expect(approved.status == .ok)
            let answer = try approved.json()
            #expect((answer["request"] as? [String: Any])?["state"] as? String == "approved")
            #expect(((answer["adjustment"] as? [String: Any])?["balanceAfter"] as? [String: String])?["real"] == "10.50000")
            let again = try await client.execute(uri: "/api/v1/staff/adjustment-requests/\(id)/approve", method: .post, headers: approver)
            #expect(again.status == .conflict)
            #expect(try Self.code(again) == "adjustmentRequestNotOpen")
            #expect(try await ledger.balances(of: PlayerID(42))["EUR"]?.real == 1_050_000, "approved once, moved once")

            let audit = AuditLog(database: database, logger: TestServices.logger)
            let trail = try await audit.search(.init(target: "player:42")).map(\.entry.action)
            #expect(trail == ["money.adjusted", "money.adjustment_requested"], "newest first")
            let refusals = try await audit.search(.init(action: "money.adjustment_refused"))
            #expect(refusals.map { $0.entry.summary["refusal"] } == ["ownRequest"])
            let tooPrecise = try await client.execute(
                uri: "/api/v1/staff/adjustment-requests", method: .post, headers: keyed,
                body: ByteBuffer(string: #"{"player":42,"currency":"EUR","amount":"0.000001","reason":"x"}"#))
            #expect(tooPrecise.status == .badRequest)
            #expect(try Self.code(tooPrecise) == "amountNotRepresentable")
        }
    }

    @Test func aDebitBeyondTheBalanceStaysOpenUntilRejectedAndHostileInputIsRefusedByName() async throws {
        try await withStaffApp { client, database, secret in
            var finance = try await signedIn(client, database, secret: secret, email: "finance@casino.example", role: .finance)
            let approver = try await signedIn(client, database, secret: secret, email: "finance2@casino.example", role: .finance)
            try await SyntheticPlayers.create(ids: [44], database: database, logger: TestServices.logger)
            finance[.idempotencyKey] = "debit-1"
            let asked = try await client.execute(
                uri: "/api/v1/staff/adjustment-requests", method: .post, headers: finance,
                body: ByteBuffer(string: #"{"player":44,"currency":"EUR","amount":"-5.00","reason":"duplicate credit"}"#))
            let id = try #require(try asked.json()["id"] as? String)
            let approved = try await client.execute(
                uri: "/api/v1/staff/adjustment-requests/\(id)/approve", method: .post, headers: approver)
            #expect(approved.status == .ok)
            #expect((try approved.json()["adjustment"] as? [String: Any])?["code"] as? String == "insufficientFunds")
            #expect((try approved.json()["request"] as? [String: Any])?["state"] as? String == "requested", "nothing moved: still open")
            let rejected = try await client.execute(uri: "/api/v1/staff/adjustment-requests/\(id)/reject", method: .post, headers: approver)
            #expect(rejected.status == .ok)
            #expect(try rejected.json()["state"] as? String == "rejected")
            let unknown = try await client.execute(uri: "/api/v1/staff/adjustment-requests/987654/reject", method: .post, headers: approver)
            #expect(unknown.status == .notFound)
            #expect(try Self.code(unknown) == "adjustmentRequestNotFound")

            for (key, body, code) in [
                ("clé-1", #"{"player":44,"currency":"EUR","amount":"5.00","reason":"x"}"#, "idempotencyKeyRequired"),
                ("bell-1", #"{"player":44,"currency":"EUR","amount":"5.00","reason":"ring\u0007"}"#, "invalidRequest"),
                ("zero-1", #"{"player":44,"currency":"EUR","amount":"0.00","reason":"nothing"}"#, "amountZero"),
            ] {
                var headers = finance
                headers[.idempotencyKey] = key
                let refused = try await client.execute(
                    uri: "/api/v1/staff/adjustment-requests", method: .post, headers: headers, body: ByteBuffer(string: body))
                #expect(refused.status == .badRequest, "\(key)")
                #expect(try Self.code(refused) == code, "\(key)")
            }
            var form = finance
            form[.contentType] = "application/x-www-form-urlencoded"
            let token = try #require(form[.csrfToken])
            form[.csrfToken] = nil
            let nul = try await client.execute(
                uri: "/admin/adjustments", method: .post, headers: form,
                body: ByteBuffer(string: "csrf=\(token)&player=44&currency=EUR&amount=5&reason=a%00b&key=k-nul"))
            #expect(nul.status == .badRequest, "a NUL in a console form is refused before any handler")
            let requests = try await AdjustmentRequests(ledger: Ledger(database: database, logger: TestServices.logger)).of(
                PlayerID(44), at: Date())
            #expect(requests.map(\.state) == [.rejected], "none of the refused requests was recorded")
        }
    }

    @Test func fromTheThresholdOnlyAnOwnerApproves() async throws {
        try await withStaffApp { client, database, secret in
            var finance = try await signedIn(client, database, secret: secret, email: "finance@casino.example", role: .finance)
            let admin = try await signedIn(client, database, secret: secret, email: "admin@casino.example", role: .admin)
            let owner = try await signedIn(client, database, secret: secret, email: "owner@casino.example", role: .owner)
            try await SyntheticPlayers.create(ids: [43], database: database, logger: TestServices.logger)
            finance[.idempotencyKey] = "ticket-big"
            let asked = try await client.execute(
                uri: "/api/v1/staff/adjustment-requests", method: .post, headers: finance,
                body: ByteBuffer(string: #"{"player":43,"currency":"EUR","amount":"1000.00","reason":"VIP settlement"}"#))
            let id = try #require(try asked.json()["id"] as? String)
            #expect(try asked.json()["ownerRequired"] as? Bool == true, "EUR 1,000 is the default threshold")
            let byAdmin = try await client.execute(uri: "/api/v1/staff/adjustment-requests/\(id)/approve", method: .post, headers: admin)
            #expect(byAdmin.status == .forbidden)
            #expect(try Self.code(byAdmin) == "ownerApprovalRequired")
            let listed = try await client.execute(uri: "/api/v1/staff/adjustment-requests", method: .get, headers: admin)
            #expect(((try listed.json()["requests"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String } == [id])
            let byOwner = try await client.execute(uri: "/api/v1/staff/adjustment-requests/\(id)/approve", method: .post, headers: owner)
            #expect(byOwner.status == .ok)
            let balances = try await Ledger(database: database, logger: TestServices.logger).balances(of: PlayerID(43))
            #expect(balances["EUR"]?.real == 100_000_000)
        }
    }

    @Test func anAdjustmentForAnIdNoPlayerHasIsRefusedAndWritesNothing() async throws {
        try await withTestApp { client, dependencies, database in
            let uri = try await createStaff(
                database, secret: dependencies.configuration.secretKey, email: "finance@casino.example", role: .finance)
            let signedIn = try await login(client, email: "finance@casino.example", totp: RFC6238.code(uri: uri, at: Date()))
            let csrf = try #require(try signedIn.json()["csrfToken"] as? String)
            let refused = try await client.execute(
                uri: "/api/v1/staff/adjustment-requests", method: .post,
                headers: [
                    .contentType: "application/json", .cookie: Self.cookies(signedIn), HTTPField.Name("X-CSRF-Token")!: csrf,
                    HTTPField.Name("Idempotency-Key")!: "ticket-404",
                ],
                body: ByteBuffer(string: #"{"player":424242,"currency":"EUR","amount":"10.00","reason":"goodwill"}"#))
            #expect(refused.status == .badRequest)
            #expect(((try refused.json()["error"] as? [String: Any])?["code"] as? String) == "playerNotFound")
            #expect(try await dependencies.ledger.balances(of: PlayerID(424242)).isEmpty, "no accounts opened for nobody")
            let rows = try await AuditLog(database: database, logger: TestServices.logger).search(
                .init(action: "money.adjustment_requested"))
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
            let api = try await client.execute(uri: "/api/v1/staff/adjustment-requests", method: .post, body: ByteBuffer(string: "{}"))
            #expect(api.status == .unauthorized)
        }
    }
}
