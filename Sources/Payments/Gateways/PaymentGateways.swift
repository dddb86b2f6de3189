import Core
import Logging
import Persistence

/// The gateways this deployment takes payments through, by code: those configured at start-up.
public struct PaymentGateways: Sendable {
    let byCode: [String: any PaymentGateway]

    public init(_ gateways: [any PaymentGateway]) {
        self.byCode = Dictionary(gateways.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The sandbox everywhere but in production, and Stripe and NOWPayments when their
    /// credentials are set.
    public static func configured(_ configuration: Configuration, database: Database, logger: Logger) -> PaymentGateways {
        var base = configuration.publicURL
        while base.hasSuffix("/") { base.removeLast() }
        var gateways: [any PaymentGateway] = configuration.stripe.map { [StripeGateway(settings: $0)] } ?? []
        if let settings = configuration.nowPayments {
            gateways.append(NOWPaymentsGateway(settings: settings, callbackURL: base + "/webhooks/nowpayments"))
        }
        if configuration.environment != .production {
            gateways.append(
                SandboxGateway(
                    checkoutBase: base + SandboxGateway.checkoutPath,
                    webhookKey: configuration.secretKey.derive("payments.sandbox.webhook"),
                    database: database, logger: logger))
        }
        return PaymentGateways(gateways)
    }

    public subscript(code: String) -> (any PaymentGateway)? { byCode[code] }

    /// Sorted by code, for pages and the API.
    public var all: [any PaymentGateway] { byCode.values.sorted { $0.code < $1.code } }
}
