import AsyncHTTPClient
import Core
import Crypto
import Foundation
import Logging
import NIOCore

/// NOWPayments crypto deposits through its hosted invoices, and payouts in coins through its
/// mass-payout API when the payout login is configured (docs/payments.md, "NOWPayments"): the
/// player is charged in EUR or USD and pays in the coin they pick on NOWPayments' page, and is
/// paid out in USDT (TRC20) or BTC. Its IPNs are signed with `x-nowpayments-sig`, hex HMAC-SHA512
/// of the body with every object's keys sorted (`SortedJSON`). Only `finished` credits;
/// `partially_paid` waits for staff.
public struct NOWPaymentsGateway: PaymentGateway {
    public let code = "nowpayments"
    public let capabilities: GatewayCapabilities

    let settings: NOWPaymentsSettings
    /// The mass-payout login; nil: no payouts.
    let payouts: NOWPaymentsPayoutSettings?
    /// Where NOWPayments sends its IPNs: this deployment's `/webhooks/nowpayments`.
    let callbackURL: String
    let key: SymmetricKey
    let http: GatewayHTTP
    let logger: Logger

    public static let signatureHeader = "x-nowpayments-sig"

    /// Deposits are priced in fiat; the coin is the player's choice on NOWPayments' page.
    static let depositCurrencies = ["EUR", "USD"].map {
        GatewayCurrency(code: $0, exponent: 2, minimumUnits: 500, maximumUnits: 1_000_000, payouts: false)
    }

    /// Payouts, in the coin's own decimals. The limits and the fee are the house's policy
    /// (docs/payments.md): the fee, kept from each withdrawal, covers the network fee
    /// NOWPayments charges the house for sending it.
    static let payoutCurrencies = [
        // 20 to 10,000 USDT, fee 2 USDT.
        GatewayCurrency(
            code: "USDT", exponent: 6, minimumUnits: 20_000_000, maximumUnits: 10_000_000_000, payoutFeeUnits: 2_000_000, deposits: false),
        // 0.0005 to 0.5 BTC, fee 0.0001 BTC.
        GatewayCurrency(code: "BTC", exponent: 8, minimumUnits: 50_000, maximumUnits: 50_000_000, payoutFeeUnits: 10_000, deposits: false),
    ]

    public init(
        settings: NOWPaymentsSettings, payouts: NOWPaymentsPayoutSettings? = nil, callbackURL: String, client: HTTPClient = .shared,
        logger: Logger = Logger(label: "croupier.payments.nowpayments")
    ) {
        self.settings = settings
        self.payouts = payouts
        self.callbackURL = callbackURL
        self.key = SymmetricKey(data: Data(settings.ipnSecret.utf8))
        self.http = GatewayHTTP(gateway: "nowpayments", baseURL: settings.apiURL, client: client)
        self.logger = logger
        self.capabilities = GatewayCapabilities(
            deposits: true, payouts: payouts != nil, currencies: Self.depositCurrencies + (payouts != nil ? Self.payoutCurrencies : []))
    }

    public func createDeposit(_ request: GatewayDepositRequest) async throws -> GatewayDeposit {
        // price_amount is a JSON number: written from the exact decimal, never through a Double.
        let price = Amount.decimal(units: request.gatewayUnits, scale: request.currency.exponent)
        let body = """
            {"cancel_url":\(Self.quoted(request.returnURL)),"ipn_callback_url":\(Self.quoted(callbackURL)),\
            "order_description":"Deposit","order_id":\(Self.quoted(request.depositID)),"price_amount":\(price),\
            "price_currency":\(Self.quoted(request.currency.code.lowercased())),"success_url":\(Self.quoted(request.returnURL))}
            """
        let invoice = try await call("POST", "/v1/invoice", body: body)
        guard let id = invoice["id"]?.text, let url = invoice["invoice_url"]?.text else {
            throw GatewayUnavailable(gateway: code, reason: "the invoice has no id or invoice_url")
        }
        return GatewayDeposit(reference: id, redirectURL: url)
    }

    public func verifyWebhook(body: [UInt8], headers: [String: String], now: Date) throws -> VerifiedWebhook {
        guard let presented = headers[Self.signatureHeader], !presented.isEmpty else { throw WebhookRefusal.missingSignature }
        let json: SortedJSON
        do { json = try SortedJSON.parse(body) } catch { throw WebhookRefusal.malformedPayload("not JSON") }
        let expected = HMAC<SHA512>.authenticationCode(for: Array(json.sorted.utf8), using: key)
        guard RandomToken.matches(presented.lowercased(), Hex.encode(Array(expected))) else {
            throw WebhookRefusal.badSignature
        }
        // NOWPayments sends one IPN per status change and repeats it on failure: the pair names it.
        if let payment = json["payment_id"]?.text, let status = json["payment_status"]?.text {
            return VerifiedWebhook(eventID: "\(payment):\(status)", eventType: status)
        }
        // A payout's IPN names the withdrawal at NOWPayments (its batch's id when it has none).
        if let batch = json["batch_withdrawal_id"]?.text, let status = json["status"]?.text {
            return VerifiedWebhook(eventID: "payout:\(json["id"]?.text ?? batch):\(status)", eventType: "payout:\(status)")
        }
        throw WebhookRefusal.malformedPayload("no payment_id and payment_status, nor batch_withdrawal_id and status")
    }

    public func depositUpdate(forWebhook body: [UInt8]) async throws -> DepositUpdate {
        let json = try SortedJSON.parse(body)
        if json["payment_id"] == nil, json["batch_withdrawal_id"] != nil {
            // As a deposit's IPN only prompts a re-fetch, a payout's is settled by its status query.
            return .ignored(reason: "a payout notice: reconciliation asks the payout's status")
        }
        guard let payment = json["payment_id"]?.text, payment.allSatisfy(\.isNumber) else {
            return .ignored(reason: "no payment_id")
        }
        // The IPN may be stale or out of order: the payment as NOWPayments holds it now decides.
        let current = try await call("GET", "/v1/payment/\(payment)", body: nil)
        guard let invoice = current["invoice_id"]?.text, let status = current["payment_status"]?.text else {
            return .ignored(reason: "payment \(payment) belongs to no invoice")
        }
        switch status {
        case "finished":
            guard let price = current["price_amount"]?.text, let currency = current["price_currency"]?.text,
                let units = try? Amount.units(fromDecimal: price, scale: 2)
            else { return .needsStaff(reference: invoice, reason: "payment \(payment) finished without a readable price") }
            return .paid(reference: invoice, currency: currency.uppercased(), gatewayUnits: units)
        case "partially_paid":
            let paid = current["actually_paid"]?.text ?? "?"
            let asked = current["pay_amount"]?.text ?? "?"
            let coin = current["pay_currency"]?.text ?? ""
            return .needsStaff(reference: invoice, reason: "payment \(payment) is partially paid: \(paid) of \(asked) \(coin)")
        case "failed": return .failed(reference: invoice, reason: "The payment failed.")
        case "expired": return .expired(reference: invoice)
        case "refunded": return .ignored(reason: "payment \(payment) was refunded; refunds are not handled yet")
        default: return .unchanged(reference: invoice, reason: "the payment is \(status)")
        }
    }

    /// One API call; `token` is the payout login's, sent as `Authorization: Bearer`.
    func call(_ method: String, _ path: String, body: String?, token: String? = nil) async throws -> SortedJSON {
        let answer = try await http.send(method, path, headers: headers(token: token), body: body.map { ("application/json", $0) })
        do { return try SortedJSON.parse(Array(buffer: answer)) } catch {
            throw GatewayUnavailable(gateway: code, reason: "\(method) \(path) answered what is not JSON")
        }
    }

    func headers(token: String?) -> [(String, String)] {
        [("x-api-key", settings.apiKey)] + (token.map { [("Authorization", "Bearer \($0)")] } ?? [])
    }

    static func quoted(_ text: String) -> String { SortedJSON.string(text).sorted }
}
