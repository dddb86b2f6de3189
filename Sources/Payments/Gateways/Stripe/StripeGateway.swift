import AsyncHTTPClient
import Core
import Foundation
import NIOCore

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
    let client: HTTPClient

    static let responseLimit = 1 << 20

    public init(settings: StripeSettings, client: HTTPClient = .shared) {
        self.settings = settings
        self.signature = WebhookSignature(secret: settings.webhookSecret)
        self.client = client
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

    // MARK: - Stripe's API

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
        var request = HTTPClientRequest(url: settings.apiURL + path)
        request.method = .RAW(value: method)
        request.headers.add(name: "Authorization", value: "Bearer \(settings.apiKey)")
        request.headers.add(name: "Accept", value: "application/json")
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if method == "POST" {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: FormEncoding.body(form)))
        }
        let status: UInt
        let body: ByteBuffer
        do {
            let response = try await client.execute(request, timeout: .seconds(15))
            status = response.status.code
            body = try await response.body.collect(upTo: Self.responseLimit)
        } catch {
            throw GatewayUnavailable(gateway: code, reason: "\(method) \(path) did not answer: \(error)")
        }
        guard (200..<300).contains(status) else {
            throw GatewayUnavailable(gateway: code, reason: "\(method) \(path) answered \(status)")
        }
        do {
            return try JSONDecoder().decode(Response.self, from: Data(buffer: body))
        } catch {
            throw GatewayUnavailable(gateway: code, reason: "\(method) \(path) answered what is not a \(Response.self)")
        }
    }
}
