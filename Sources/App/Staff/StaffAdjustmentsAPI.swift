import Core
import Foundation
import HTTPTypes
import Hummingbird
import Ledger

/// `POST /api/v1/staff/adjustments` (money.adjust, `X-CSRF-Token`, `Idempotency-Key`): a
/// manual credit or debit through `StaffAdjustment`.
struct StaffAdjustmentsAPI {
    let access: StaffAccess
    let adjustments: StaffAdjustment

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/api/v1/staff/adjustments") { request, context -> Response in
            guard context.staff != nil else { throw AppError(.unauthorized, code: "notSignedIn") }
            try access.requireCSRFHeader(request)
            let staff = try await access.require(.moneyAdjust, request, context)
            let body = try await request.decode(as: AdjustmentRequest.self, context: context)
            let order = StaffAdjustment.Order(
                player: body.player, currency: body.currency, amount: body.amount, reason: body.reason,
                key: request.headers[.idempotencyKey] ?? "", actor: "staff:\(staff.id)")
            do {
                let (outcome, currency) = try await adjustments.apply(order, ip: context.clientAddress, requestID: context.requestID)
                return try WalletController.json(AdjustmentResponse(outcome, currency: currency))
            } catch let refusal as StaffAdjustment.Refusal {
                throw AppError(.badRequest, code: refusal.code)
            }
        }
    }
}

struct AdjustmentRequest: Decodable {
    let player: Int64
    let currency: String
    let amount: String
    let reason: String
}

struct AdjustmentResponse: Encodable {
    let code: String
    let transaction: String?
    let balanceAfter: TransactionsResponse.Amounts?

    init(_ outcome: Outcome, currency: Currency) {
        code = outcome.code.rawValue
        transaction = outcome.transactionID.map(String.init)
        balanceAfter = outcome.balances.map { TransactionsResponse.Amounts($0, currency: currency) }
    }
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
