import AsyncHTTPClient
import Core
import Foundation

/// Stripe deposits through Checkout Sessions (docs/payments.md, "Stripe"). Stripe declares no
/// payouts here. Its API base is configuration (`CROUPIER_STRIPE_API_URL`), so the tests run it
/// against a local fake.
public struct StripeGateway: PaymentGateway {
    public let code = "stripe"
    /// Stripe's minimum charge is 0.50 in both; the maximum is the operator's cap per deposit.
    public let capabilities = GatewayCapabilities(
        deposits: true, payouts: false,
        currencies: [
            GatewayCurrency(code: "EUR", exponent: 2, minimumUnits: 50, maximumUnits: 1_000_000),
            GatewayCurrency(code: "USD", exponent: 2, minimumUnits: 50, maximumUnits: 1_000_000),
        ])

    let settings: StripeSettings
    let signature: WebhookSignature
    let http: GatewayHTTP

    public init(settings: StripeSettings, client: HTTPClient = .shared) {
        self.settings = settings
        self.signature = WebhookSignature(secret: settings.webhookSecret)
        self.http = GatewayHTTP(gateway: "stripe", baseURL: settings.apiURL, client: client)
    }

    public func createDeposit(_ request: GatewayDepositRequest) async throws -> GatewayDeposit {
        let form: [(String, String)] = [
            ("mode", "payment"),
            ("client_reference_id", request.depositID),
            ("metadata[deposit_id]", request.depositID),
            ("line_items[0][quantity]", "1"),
            ("line_items[0][price_data][currency]", request.currency.code.lowercased()),
            ("line_items[0][price_data][unit_amount]", String(request.gatewayUnits)),
            ("line_items[0][price_data][product_data][name]", "Deposit"),
            ("success_url", request.returnURL),
            ("cancel_url", request.returnURL),
        ]
        // Stripe's Idempotency-Key: a retried create returns the first session, never a second one.
        let session: CheckoutSession = try await call(
            "POST", "/v1/checkout/sessions", form: form, idempotencyKey: request.depositID)
        guard let url = session.url else { throw GatewayUnavailable(gateway: code, reason: "the Checkout Session has no url") }
        return GatewayDeposit(reference: session.id, redirectURL: url)
    }

    public func verifyWebhook(body: [UInt8], headers: [String: String], now: Date) throws -> VerifiedWebhook {
        try signature.verify(body: body, header: headers["stripe-signature"], now: now)
        guard let event = try? JSONDecoder().decode(Event.self, from: Data(body)), !event.id.isEmpty else {
            throw WebhookRefusal.malformedPayload("not a Stripe event (id, type, data.object)")
        }
        return VerifiedWebhook(eventID: event.id, eventType: event.type)
    }

    static let checkoutEvents: Set = [
        "checkout.session.completed", "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
        "checkout.session.expired",
    ]

    public func depositUpdate(forWebhook body: [UInt8]) async throws -> DepositUpdate {
        let event = try JSONDecoder().decode(Event.self, from: Data(body))
        if event.type == "charge.refunded" || event.type == "charge.dispute.created" { return try await reversal(event) }
        guard Self.checkoutEvents.contains(event.type) else { return .ignored(reason: "\(event.type) is not handled") }
        guard let id = event.data.object.id, id.hasPrefix("cs_") else { return .ignored(reason: "\(event.type) names no Checkout Session") }
        // The event may be stale or out of order; the session as Stripe holds it now decides.
        let session: CheckoutSession = try await call("GET", "/v1/checkout/sessions/\(FormEncoding.encode(id))", form: [])
        if session.paymentStatus == "paid", let total = session.amountTotal, let currency = session.currency {
            return .paid(reference: session.id, currency: currency.uppercased(), gatewayUnits: total)
        }
        if session.status == "expired" { return .expired(reference: session.id) }
        if event.type == "checkout.session.async_payment_failed" {
            return .failed(reference: session.id, reason: "the payment failed")
        }
        return .unchanged(reference: session.id, reason: "the payment is \(session.paymentStatus ?? "unknown")")
    }

    /// A refund or a dispute, from the charge or dispute as Stripe holds it now: the running total
    /// refunded, or the disputed amount, and the Checkout Session (the deposit's reference) that
    /// made the payment.
    func reversal(_ event: Event) async throws -> DepositUpdate {
        guard let id = event.data.object.id else { return .ignored(reason: "\(event.type) names no object") }
        let kind: DepositReversal
        let units: Int64
        let paymentIntent: String?
        if event.type == "charge.refunded" {
            let charge: Charge = try await call("GET", "/v1/charges/\(FormEncoding.encode(id))", form: [])
            (kind, units, paymentIntent) = (.refund, charge.amountRefunded, charge.paymentIntent)
        } else {
            let dispute: Dispute = try await call("GET", "/v1/disputes/\(FormEncoding.encode(id))", form: [])
            (kind, units, paymentIntent) = (.dispute, dispute.amount, dispute.paymentIntent)
        }
        guard let paymentIntent else { return .ignored(reason: "\(id) names no payment") }
        let sessions: SessionList = try await call(
            "GET", "/v1/checkout/sessions?payment_intent=\(FormEncoding.encode(paymentIntent))", form: [])
        guard let session = sessions.data.first else { return .ignored(reason: "no Checkout Session made the payment \(paymentIntent)") }
        return .reversed(reference: session.id, kind: kind, gatewayUnits: units)
    }

    // MARK: - Stripe's API

    struct Charge: Decodable {
        let amountRefunded: Int64
        let paymentIntent: String?

        enum CodingKeys: String, CodingKey {
            case amountRefunded = "amount_refunded"
            case paymentIntent = "payment_intent"
        }
    }

    struct Dispute: Decodable {
        let amount: Int64
        let paymentIntent: String?

        enum CodingKeys: String, CodingKey {
            case amount
            case paymentIntent = "payment_intent"
        }
    }

    struct SessionList: Decodable {
        let data: [CheckoutSession]
    }

    struct CheckoutSession: Decodable {
        let id: String
        let url: String?
        let status: String?
        let paymentStatus: String?
        let amountTotal: Int64?
        let currency: String?

        enum CodingKeys: String, CodingKey {
            case id, url, status, currency
            case paymentStatus = "payment_status"
            case amountTotal = "amount_total"
        }
    }

    struct Event: Decodable {
        struct Payload: Decodable {
            struct Object: Decodable { let id: String? }
            let object: Object
        }
        let id: String
        let type: String
        let data: Payload
    }

    func call<Response: Decodable>(_ method: String, _ path: String, form: [(String, String)], idempotencyKey: String? = nil)
        async throws -> Response
    {
        var headers = [("Authorization", "Bearer \(settings.apiKey)")]
        if let idempotencyKey { headers.append(("Idempotency-Key", idempotencyKey)) }
        let body = try await http.send(
            method, path, headers: headers,
            body: method == "POST" ? ("application/x-www-form-urlencoded", FormEncoding.body(form)) : nil)
        do {
            return try JSONDecoder().decode(Response.self, from: Data(buffer: body))
        } catch {
            throw GatewayUnavailable(gateway: code, reason: "\(method) \(path) answered what is not a \(Response.self)")
        }
    }
}
