import Core
import Foundation
import Ledger
import Logging
import Persistence
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import Payments

/// A gateway whose answers the test sets: what the next status query says about a payment, or
/// that it does not answer at all. Its webhooks are `{"id": "<event id>"}`, unsigned: signatures
/// are the adapters' business and tested with them.
final class ScriptedGateway: PaymentGateway {
    let code = "scripted"
    let capabilities = GatewayCapabilities(
        deposits: true, payouts: false,
        currencies: [GatewayCurrency(code: "EUR", exponent: 2, minimumUnits: 50, maximumUnits: 1_000_000)])
    /// Whether it answers, and what its status query says.
    private let script = Mutex<(answering: Bool, next: DepositUpdate?)>((true, nil))

    func says(_ update: DepositUpdate) { script.withLock { $0 = (true, update) } }
    func failsToAnswer() { script.withLock { $0 = (false, nil) } }

    func createDeposit(_ request: GatewayDepositRequest) async throws -> GatewayDeposit {
        guard script.withLock({ $0.answering }) else { throw GatewayUnavailable(gateway: code, reason: "does not answer") }
        return GatewayDeposit(reference: "ref-\(request.depositID)", redirectURL: "https://pay.test/\(request.depositID)")
    }

    func verifyWebhook(body: [UInt8], headers: [String: String], now: Date) throws -> VerifiedWebhook {
        guard let event = try? JSONDecoder().decode([String: String].self, from: Data(body)), let id = event["id"] else {
            throw WebhookRefusal.malformedPayload("no id")
        }
        return VerifiedWebhook(eventID: id, eventType: "scripted")
    }

    func depositUpdate(forWebhook body: [UInt8]) async throws -> DepositUpdate {
        guard let update = script.withLock({ $0.next }) else { throw GatewayUnavailable(gateway: code, reason: "does not answer") }
        return update
    }
}

struct PaymentsHarness {
    let database: Database
    let ledger: Ledger
    let gateway: ScriptedGateway
    let deposits: Deposits
    let inbox: WebhookInbox
    let logger = TestServices.logger

    /// A fresh database; after `body`, the ledger's audit must find nothing.
    static func with(_ body: (PaymentsHarness) async throws -> Void) async throws {
        try await TestDatabase.with { database in
            let ledger = Ledger(database: database, logger: TestServices.logger)
            let gateway = ScriptedGateway()
            let gateways = PaymentGateways([gateway])
            let deposits = Deposits(database: database, ledger: ledger, gateways: gateways, logger: TestServices.logger)
            let harness = PaymentsHarness(
                database: database, ledger: ledger, gateway: gateway, deposits: deposits,
                inbox: WebhookInbox(database: database, gateways: gateways, deposits: deposits, logger: TestServices.logger))
            try await body(harness)
            let findings = try await LedgerAuditor(database: database, logger: TestServices.logger).run()
            #expect(findings.allSatisfy { $0.violations == 0 }, "\(findings)")
        }
    }

    func deliver(_ eventID: String) async throws {
        _ = try await inbox.receive(gateway: "scripted", body: Array(#"{"id":"\#(eventID)"}"#.utf8), headers: [:])
    }

    func outcomes() async throws -> [String] {
        try await strings("SELECT coalesce(outcome, '') FROM payments_webhook_events ORDER BY id")
    }

    func eventStates() async throws -> [String] { try await strings("SELECT state FROM payments_webhook_events ORDER BY id") }
    func depositStates() async throws -> [String] { try await strings("SELECT state FROM payments_deposits ORDER BY id") }
    func depositCount() async throws -> Int {
        try await strings("SELECT count(*)::text FROM payments_deposits").first.flatMap { Int($0) } ?? -1
    }

    func events(_ subject: String) async throws -> Int {
        try await strings("SELECT count(*)::text FROM outbox WHERE subject = '\(subject)'").first.flatMap { Int($0) } ?? -1
    }

    private func strings(_ sql: String) async throws -> [String] {
        try await database.withConnection { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            var values: [String] = []
            for try await value in rows.decode(String.self) { values.append(value) }
            return values
        }
    }
}
