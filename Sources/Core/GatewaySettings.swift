/// Stripe's credentials and API base (docs/payments.md, "Configuration"). Present only when both
/// the API key and the webhook secret are set: Stripe takes deposits and signs their webhooks.
public struct StripeSettings: Sendable, Equatable {
    public static let apiURL = "https://api.stripe.com"

    public var apiURL: String
    public var apiKey: String
    public var webhookSecret: String

    public init(apiURL: String = Self.apiURL, apiKey: String, webhookSecret: String) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.apiKey = apiKey
        self.webhookSecret = webhookSecret
    }
}

/// NOWPayments' credentials and API base (docs/payments.md, "NOWPayments"). Present only when both
/// the API key and the IPN secret are set.
public struct NOWPaymentsSettings: Sendable, Equatable {
    public static let apiURL = "https://api.nowpayments.io"

    public var apiURL: String
    public var apiKey: String
    public var ipnSecret: String

    public init(apiURL: String = Self.apiURL, apiKey: String, ipnSecret: String) {
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.apiKey = apiKey
        self.ipnSecret = ipnSecret
    }
}

/// NOWPayments' mass-payout login (docs/payments.md, "NOWPayments"): the account's e-mail and
/// password, exchanged for a short-lived token before each call, and its 2FA secret, from which
/// each payout batch's verification code is computed. Present only when all three are set; they
/// come from the configuration only, never from stored credentials.
public struct NOWPaymentsPayoutSettings: Sendable, Equatable {
    public var email: String
    public var password: String
    /// The 2FA secret's bytes: NOWPayments shows it base32-encoded (`Base32.decode`).
    public var twoFactorKey: [UInt8]

    public init(email: String, password: String, twoFactorKey: [UInt8]) {
        self.email = email
        self.password = password
        self.twoFactorKey = twoFactorKey
    }
}
