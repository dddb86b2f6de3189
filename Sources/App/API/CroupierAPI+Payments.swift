import AppAPI
import Core
import Foundation
import Hummingbird
import Payments

/// Deposits (docs/payments.md). The gateway's webhook, not this API, completes them.
extension CroupierAPI {
    func createDeposit(_ input: Operations.CreateDeposit.Input) async throws -> Operations.CreateDeposit.Output {
        let scope = try APIRequestScope.required()
        let player = try scope.signedInPlayer()
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        let deposit: Deposit
        do {
            deposit = try await deposits.create(
                player: player, gateway: body.gateway, amount: body.amount, currency: body.currency, returnURL: depositReturnURL)
        } catch let refusal as DepositRefusal {
            throw AppError(refusal)
        }
        try await auth.access.recordCreated(deposit, scope.request, scope.context)
        return .created(.init(body: .json(try await Components.Schemas.Deposit(deposit, currencies: currencies))))
    }

    func getDeposit(_ input: Operations.GetDeposit.Input) async throws -> Operations.GetDeposit.Output {
        let player = try APIRequestScope.required().signedInPlayer()
        guard let deposit = try await deposits.deposit(input.path.id, of: player) else {
            throw AppError(.notFound, code: .depositNotFound)
        }
        return .ok(.init(body: .json(try await Components.Schemas.Deposit(deposit, currencies: currencies))))
    }
}

extension StaffAccess {
    /// A player's new deposit in the audit trail, whichever way they asked (the API or the cashier page).
    func recordCreated(_ deposit: Deposit, _ request: Request, _ context: AppRequestContext) async throws {
        try await record(
            "payments.deposit_created", by: nil, actor: "player:\(deposit.player.rawValue)", target: "deposit:\(deposit.id)",
            summary: ["gateway": deposit.gateway, "currency": deposit.currency, "units": String(deposit.units)], request, context)
    }
}

extension AppError {
    init(_ refusal: DepositRefusal) {
        switch refusal {
        case .gatewayUnavailable: self.init(.badGateway, code: .gatewayUnavailable)
        default: self.init(.badRequest, code: ErrorCode(rawValue: refusal.code) ?? .invalidRequest)
        }
    }
}

extension Components.Schemas.Deposit {
    init(_ deposit: Deposit, currencies: CurrencyCatalog) async throws {
        let currency = try await currencies.recorded(deposit.currency)
        self.init(
            id: deposit.id, gateway: deposit.gateway, currency: deposit.currency,
            amount: Amount.decimal(units: deposit.units, scale: currency.scale),
            status: StatusPayload(rawValue: deposit.state.rawValue) ?? .failed, redirectUrl: deposit.redirectURL, reason: deposit.reason,
            firstDeposit: deposit.firstDeposit, createdAt: deposit.createdAt, completedAt: deposit.completedAt)
    }
}
