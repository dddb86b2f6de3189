import Core

/// The gateways this deployment takes payments through, by code: those configured at start-up.
public struct PaymentGateways: Sendable {
    let byCode: [String: any PaymentGateway]

    public init(_ gateways: [any PaymentGateway]) {
        self.byCode = Dictionary(gateways.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Stripe when its credentials are set.
    public static func configured(_ configuration: Configuration) -> PaymentGateways {
        PaymentGateways(configuration.stripe.map { [StripeGateway(settings: $0)] } ?? [])
    }

    public subscript(code: String) -> (any PaymentGateway)? { byCode[code] }

    /// Sorted by code, for pages and the API.
    public var all: [any PaymentGateway] { byCode.values.sorted { $0.code < $1.code } }
}
