import Core
import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO

/// The built-in gateway that makes the casino payable out of the box (docs/payments.md,
/// "Sandbox"). It has a hosted checkout page of its own (served by the App under
/// `/sandbox/checkout/<reference>`) where the tester chooses what happens: paid, paid with its
/// webhooks sent twice and out of order, paid after a 3-D-Secure-style step, or declined. Like a
/// real gateway it tells the deposit only through signed webhooks, and its status answer decides.
/// Its payouts do what the destination asks for: an account ending in `-fail` is refused, one
/// ending in `-timeout` is paid but the answer is lost (reconciliation finds it paid), any other
/// is paid. Never configured in production.
public struct SandboxGateway: PaymentGateway {
    public let code = "sandbox"
    public let capabilities = GatewayCapabilities(
        deposits: true, payouts: true,
        currencies: ["EUR", "USD", "RUB"].map {
            GatewayCurrency(code: $0, exponent: 2, minimumUnits: 100, maximumUnits: 10_000_000, payoutFeeUnits: 50)
        }
            + [
                GatewayCurrency(
                    code: "USDT", exponent: 6, minimumUnits: 1_000_000, maximumUnits: 100_000_000_000, payoutFeeUnits: 500_000)
            ])

    /// Where the checkout page of a payment lives: `<base>/<reference>`.
    let checkoutBase: String
    let signature: WebhookSignature
    let database: Database
    let logger: Logger

    public static let signatureHeader = "sandbox-signature"
    /// Where the App serves the hosted checkout page.
    public static let checkoutPath = "/sandbox/checkout"

    public init(checkoutBase: String, webhookKey: SymmetricKey, database: Database, logger: Logger) {
        self.checkoutBase = checkoutBase
        self.signature = WebhookSignature(key: webhookKey)
        self.database = database
        self.logger = logger
    }

    public func createDeposit(_ request: GatewayDepositRequest) async throws -> GatewayDeposit {
        let reference = PublicID.random("sbx")
        try await database.withConnection { connection in
            _ = try await connection.query(
                """
                INSERT INTO payments_sandbox_payments (reference, deposit_id, currency, gateway_units, return_url)
                VALUES (\(reference), \(request.depositID), \(request.currency.code), \(request.gatewayUnits), \(request.returnURL))
                """, logger: logger)
        }
        return GatewayDeposit(reference: reference, redirectURL: "\(checkoutBase)/\(reference)")
    }

    public func verifyWebhook(body: [UInt8], headers: [String: String], now: Date) throws -> VerifiedWebhook {
        try signature.verify(body: body, header: headers[Self.signatureHeader], now: now)
        guard let event = try? JSONDecoder().decode(Event.self, from: Data(body)) else {
            throw WebhookRefusal.malformedPayload("not a sandbox event (id, type, payment)")
        }
        return VerifiedWebhook(eventID: event.id, eventType: event.type)
    }

    public func depositUpdate(forWebhook body: [UInt8]) async throws -> DepositUpdate {
        let event = try JSONDecoder().decode(Event.self, from: Data(body))
        guard let payment = try await payment(event.payment) else { return .ignored(reason: "no sandbox payment \(event.payment)") }
        switch payment.status {
        case .paid: return .paid(reference: payment.reference, currency: payment.currency, gatewayUnits: payment.gatewayUnits)
        case .declined: return .failed(reference: payment.reference, reason: "The card was declined.")
        case .open: return .unchanged(reference: payment.reference, reason: "the payment is still open")
        }
    }

    // MARK: - Payouts

    public func createPayout(_ request: GatewayPayoutRequest) async throws -> PayoutStatus {
        let refused = request.destination.hasSuffix("-fail")
        let reference = PublicID.random("sbp")
        let status = try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                INSERT INTO payments_sandbox_payouts (withdrawal_id, reference, destination, currency, gateway_units, status)
                VALUES (\(request.withdrawalID), \(reference), \(request.destination), \(request.currency.code), \(request.gatewayUnits),
                        \(refused ? "failed" : "paid"))
                ON CONFLICT (withdrawal_id) DO UPDATE SET withdrawal_id = EXCLUDED.withdrawal_id
                RETURNING reference, status
                """, logger: logger)
            for try await (reference, status) in rows.decode((String, String).self) {
                return Self.status(reference: reference, status: status)
            }
            return PayoutStatus.notFound
        }
        if request.destination.hasSuffix("-timeout") {
            throw GatewayUnavailable(gateway: code, reason: "the payout request timed out")
        }
        return status
    }

    /// Its own record is keyed by the withdrawal's id: the reference is not needed.
    public func payoutStatus(withdrawalID: String, reference: String?) async throws -> PayoutStatus {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT reference, status FROM payments_sandbox_payouts WHERE withdrawal_id = \(withdrawalID)", logger: logger)
            for try await (reference, status) in rows.decode((String, String).self) {
                return Self.status(reference: reference, status: status)
            }
            return .notFound
        }
    }

    public func destinationProblem(_ destination: String, currency: String) -> String? {
        (4...64).contains(destination.count) && destination.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7f })
            ? nil : "Write the account as 4 to 64 letters, digits or signs without spaces."
    }

    static func status(reference: String, status: String) -> PayoutStatus {
        status == "paid" ? .paid(reference: reference) : .failed(reason: "The receiving account refused the payout.")
    }

    // MARK: - The hosted checkout's side

    public struct Payment: Sendable, Equatable {
        public enum Status: String, Sendable { case open, paid, declined }
        public let reference: String
        public let depositID: String
        public let currency: String
        public let gatewayUnits: Int64
        public let returnURL: String
        public let status: Status

        /// The amount as the checkout page shows it, in the currency's exponent.
        public let amount: String
    }

    /// What the tester chose on the checkout page.
    public enum Outcome: String, Sendable, CaseIterable {
        case pay
        /// Paid; the "paid" webhook is delivered twice, then an older "created" one arrives last.
        case payWithRepeatedWebhooks = "pay-repeated"
        case decline
    }

    /// A signed webhook, ready to deliver.
    public struct Delivery: Sendable {
        public let body: [UInt8]
        public let headers: [String: String]
    }

    public func payment(_ reference: String) async throws -> Payment? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT reference, deposit_id, currency, gateway_units, return_url, status FROM payments_sandbox_payments
                 WHERE reference = \(reference)
                """, logger: logger)
            for try await (reference, deposit, currency, units, returnURL, status) in rows.decode(
                (String, String, String, Int64, String, String).self)
            {
                return Payment(
                    reference: reference, depositID: deposit, currency: currency, gatewayUnits: units, returnURL: returnURL,
                    status: Payment.Status(rawValue: status) ?? .open,
                    amount: Amount.decimal(units: units, scale: capabilities.currency(currency)?.exponent ?? 2))
            }
            return nil
        }
    }

    /// Settles an open payment as the tester chose and returns the webhooks to deliver, in
    /// delivery order; nil when there is no such open payment (a second click changes nothing).
    public func settle(_ reference: String, as outcome: Outcome, now: Date = Date()) async throws -> [Delivery]? {
        let status: Payment.Status = outcome == .decline ? .declined : .paid
        let changed = try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                UPDATE payments_sandbox_payments SET status = \(status.rawValue), updated_at = now()
                 WHERE reference = \(reference) AND status = 'open' RETURNING reference
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
        guard changed else { return nil }
        let settled = delivery(type: "payment.\(status.rawValue)", reference: reference, now: now)
        guard outcome == .payWithRepeatedWebhooks else { return [settled] }
        return [settled, settled, delivery(type: "payment.created", reference: reference, now: now)]
    }

    func delivery(type: String, reference: String, now: Date) -> Delivery {
        let body = Array(
            #"{"id":"\#(PublicID.random("evt"))","payment":"\#(reference)","type":"\#(type)"}"#.utf8)
        return Delivery(body: body, headers: [Self.signatureHeader: signature.header(body: body, timestamp: now)])
    }

    struct Event: Decodable {
        let id: String
        let type: String
        let payment: String
    }
}
