import Core
import Foundation

/// NOWPayments' mass payouts (docs/payments.md, "NOWPayments"): a token from `POST /v1/auth`
/// (e-mail and password, valid about five minutes, so one is asked for each call), a batch of
/// one withdrawal from `POST /v1/payout`, then `POST /v1/payout/{batch}/verify` with the 2FA code
/// from the account's secret: NOWPayments sends nothing before it is verified. The withdrawal's
/// id is `unique_external_id`. The batch's id is the payout's reference, and its status query
/// (`GET /v1/payout/{batch}`) decides.
extension NOWPaymentsGateway {
    /// NOWPayments' names for the coins it pays out in: USDT goes on Tron (TRC20).
    static let coins = ["USDT": "usdttrc20", "BTC": "btc"]

    /// Sends the payout. Before the batch exists nothing can have gone, so a refusal fails it;
    /// after, it is `processing` on the batch (even when verification was refused: the batch
    /// waits at NOWPayments for staff), or throws with the batch's id when the answer was lost.
    public func createPayout(_ request: GatewayPayoutRequest) async throws -> PayoutStatus {
        guard let payouts, let coin = Self.coins[request.currency.code] else {
            return .failed(reason: "This payment method does not pay out \(request.currency.code) now.")
        }
        let token: String
        do {
            token = try await authenticate(payouts)
        } catch {
            logger.warning(
                "NOWPayments refused the payout login", metadata: ["withdrawal": "\(request.withdrawalID)", "reason": "\(error)"])
            return .failed(reason: "The payment method could not take the payout.")
        }
        let batch: SortedJSON
        do {
            batch = try await call("POST", "/v1/payout", body: Self.payoutBody(request, coin: coin, callbackURL: callbackURL), token: token)
        } catch let error as GatewayUnavailable where error.status.map(Self.refusedBeforeCreating) == true {
            logger.warning("NOWPayments refused a payout", metadata: ["withdrawal": "\(request.withdrawalID)", "reason": "\(error)"])
            return .failed(reason: "The payment method refused the payout.")
        }
        guard let batchID = batch["id"]?.text, Self.isReference(batchID) else {
            throw GatewayUnavailable(gateway: code, reason: "POST /v1/payout answered without a batch id")
        }
        let verification = #"{"verification_code":"\#(TOTPCode.code(key: payouts.twoFactorKey, at: Date()))"}"#
        do {
            _ = try await http.send(
                "POST", "/v1/payout/\(batchID)/verify", headers: headers(token: token), body: ("application/json", verification))
        } catch let error as GatewayUnavailable {
            guard let status = error.status, (400..<500).contains(status) else {
                throw GatewayUnavailable(gateway: code, reason: error.reason, reference: batchID)
            }
            // The batch exists, unverified: staff verify or reject it in NOWPayments' dashboard.
            logger.error(
                "NOWPayments refused a payout batch's verification",
                metadata: ["withdrawal": "\(request.withdrawalID)", "batch": "\(batchID)", "status": "\(status)"])
        }
        return .processing(reference: batchID)
    }

    /// The batch's state. Without its id (the create call never answered) nothing can be asked:
    /// it throws, so the payout stays held as `unknown` and staff look it up in NOWPayments'
    /// dashboard by the withdrawal's id (`unique_external_id`).
    public func payoutStatus(withdrawalID: String, reference: String?) async throws -> PayoutStatus {
        guard let payouts else { throw GatewayUnavailable(gateway: code, reason: "payouts are not configured") }
        guard let reference, Self.isReference(reference) else {
            throw GatewayUnavailable(
                gateway: code, reason: "no batch id is known for \(withdrawalID): look for it in NOWPayments' dashboard")
        }
        let token = try await authenticate(payouts)
        let batch: SortedJSON
        do {
            batch = try await call("GET", "/v1/payout/\(reference)", body: nil, token: token)
        } catch let error as GatewayUnavailable where error.status == 404 {
            return .notFound
        }
        guard let status = Self.status(of: batch, withdrawalID: withdrawalID, batchID: reference) else {
            throw GatewayUnavailable(gateway: code, reason: "batch \(reference) has no withdrawal \(withdrawalID)")
        }
        return status
    }

    public func destinationProblem(_ destination: String, currency: String) -> String? {
        CoinAddress.problem(destination, currency: currency)
    }

    /// The withdrawal's state in a batch: `finished` is paid, `failed` and `rejected` failed with
    /// NOWPayments' error, anything else (`creating`, `waiting`, `processing`, `sending`, a new
    /// word) still on its way. Nil when the batch does not hold it.
    static func status(of batch: SortedJSON, withdrawalID: String, batchID: String) -> PayoutStatus? {
        guard case .array(let withdrawals)? = batch["withdrawals"] else { return nil }
        guard
            let withdrawal = withdrawals.first(where: { $0["unique_external_id"]?.text == withdrawalID })
                ?? (withdrawals.count == 1 ? withdrawals.first : nil)
        else { return nil }
        switch withdrawal["status"]?.text?.lowercased() {
        case "finished": return .paid(reference: batchID)
        case "failed", "rejected":
            guard let error = withdrawal["error"]?.text, !error.isEmpty else {
                return .failed(reason: "The payment method could not send it.")
            }
            return .failed(reason: "The payment method could not send it: \(error).")
        default: return .processing(reference: batchID)
        }
    }

    /// The batch: one withdrawal, its amount a JSON number written from the exact decimal (never
    /// through a Double), keyed by the withdrawal's id so NOWPayments refuses a second one.
    static func payoutBody(_ request: GatewayPayoutRequest, coin: String, callbackURL: String) -> String {
        let amount = Amount.decimal(units: request.gatewayUnits, scale: request.currency.exponent)
        return """
            {"ipn_callback_url":\(quoted(callbackURL)),"withdrawals":[{"address":\(quoted(request.destination)),"amount":\(amount),\
            "currency":\(quoted(coin)),"ipn_callback_url":\(quoted(callbackURL)),"unique_external_id":\(quoted(request.withdrawalID))}]}
            """
    }

    /// A 4xx to the create call means NOWPayments made no batch; 409 (a conflict, as with a
    /// `unique_external_id` it already has) may mean one exists, so it stays unknown.
    static func refusedBeforeCreating(_ status: UInt) -> Bool { (400..<500).contains(status) && status != 409 }

    /// A batch id as NOWPayments writes them, safe in a path.
    static func isReference(_ text: String) -> Bool {
        (1...64).contains(text.count) && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
    }

    func authenticate(_ payouts: NOWPaymentsPayoutSettings) async throws -> String {
        let answer = try await call(
            "POST", "/v1/auth", body: #"{"email":\#(Self.quoted(payouts.email)),"password":\#(Self.quoted(payouts.password))}"#)
        guard let token = answer["token"]?.text, !token.isEmpty else {
            throw GatewayUnavailable(gateway: code, reason: "POST /v1/auth answered without a token")
        }
        return token
    }
}
