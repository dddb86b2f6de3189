import AppAPI
import Core
import Foundation
import Hummingbird
import Payments

/// Withdrawals (docs/payments.md): asked for here, confirmed with the mailed code, paid out by
/// the payout service.
extension CroupierAPI {
    func createWithdrawal(_ input: Operations.CreateWithdrawal.Input) async throws -> Operations.CreateWithdrawal.Output {
        let scope = try APIRequestScope.required()
        let player = try scope.signedInPlayer()
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        let withdrawal = try await refusing {
            try await withdrawals.request(
                player: player, gateway: body.gateway, amount: body.amount, currency: body.currency, destination: body.destination)
        }
        try await auth.access.recordRequested(withdrawal, scope.request, scope.context)
        return .created(.init(body: .json(try await Components.Schemas.Withdrawal(withdrawal, currencies: currencies))))
    }

    func getWithdrawal(_ input: Operations.GetWithdrawal.Input) async throws -> Operations.GetWithdrawal.Output {
        let player = try APIRequestScope.required().signedInPlayer()
        guard let withdrawal = try await withdrawals.withdrawal(input.path.id, of: player) else {
            throw AppError(.notFound, code: .withdrawalNotFound)
        }
        return .ok(.init(body: .json(try await Components.Schemas.Withdrawal(withdrawal, currencies: currencies))))
    }

    func confirmWithdrawal(_ input: Operations.ConfirmWithdrawal.Input) async throws -> Operations.ConfirmWithdrawal.Output {
        let scope = try APIRequestScope.required()
        let player = try scope.signedInPlayer()
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        let (withdrawal, changed) = try await refusing { try await withdrawals.confirm(input.path.id, of: player, code: body.code) }
        if changed { try await auth.access.recordConfirmed(withdrawal, scope.request, scope.context) }
        return .ok(.init(body: .json(try await Components.Schemas.Withdrawal(withdrawal, currencies: currencies))))
    }

    func resendWithdrawalCode(_ input: Operations.ResendWithdrawalCode.Input) async throws -> Operations.ResendWithdrawalCode.Output {
        let player = try APIRequestScope.required().signedInPlayer()
        try await refusing { try await withdrawals.resendCode(input.path.id, of: player) }
        return .noContent(.init())
    }

    func cancelWithdrawal(_ input: Operations.CancelWithdrawal.Input) async throws -> Operations.CancelWithdrawal.Output {
        let scope = try APIRequestScope.required()
        let player = try scope.signedInPlayer()
        let (withdrawal, changed) = try await refusing { try await withdrawals.cancel(input.path.id, of: player) }
        if changed { try await auth.access.recordCancelled(withdrawal, scope.request, scope.context) }
        return .ok(.init(body: .json(try await Components.Schemas.Withdrawal(withdrawal, currencies: currencies))))
    }

    private func refusing<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as WithdrawalRefusal {
            throw AppError(refusal)
        }
    }
}

extension StaffAccess {
    /// A player's withdrawal steps in the audit trail, whichever way they asked (the API or the cashier page).
    func recordRequested(_ withdrawal: Withdrawal, _ request: Request, _ context: AppRequestContext) async throws {
        try await recordPlayer("payments.withdrawal_requested", withdrawal, request, context)
    }

    func recordConfirmed(_ withdrawal: Withdrawal, _ request: Request, _ context: AppRequestContext) async throws {
        try await recordPlayer("payments.withdrawal_confirmed", withdrawal, request, context)
    }

    func recordCancelled(_ withdrawal: Withdrawal, _ request: Request, _ context: AppRequestContext) async throws {
        try await recordPlayer("payments.withdrawal_cancelled", withdrawal, request, context)
    }

    private func recordPlayer(_ action: String, _ withdrawal: Withdrawal, _ request: Request, _ context: AppRequestContext) async throws {
        try await record(
            action, by: nil, actor: "player:\(withdrawal.player.rawValue)", target: "withdrawal:\(withdrawal.id)",
            summary: [
                "gateway": withdrawal.gateway, "currency": withdrawal.currency, "units": String(withdrawal.units),
                "state": withdrawal.state.rawValue,
            ], request, context)
    }
}

extension AppError {
    init(_ refusal: WithdrawalRefusal) {
        switch refusal {
        case .notFound: self.init(.notFound, code: .withdrawalNotFound)
        case .notCancellable: self.init(.conflict, code: .withdrawalNotCancellable)
        case .codeSendTooSoon: self.init(.tooManyRequests, code: .resendTooSoon)
        default: self.init(.badRequest, code: ErrorCode(rawValue: refusal.code) ?? .invalidRequest)
        }
    }
}

extension Components.Schemas.Withdrawal {
    init(_ withdrawal: Withdrawal, currencies: CurrencyCatalog) async throws {
        let currency = try await currencies.recorded(withdrawal.currency)
        self.init(
            id: withdrawal.id, gateway: withdrawal.gateway, currency: withdrawal.currency,
            amount: Amount.decimal(units: withdrawal.units, scale: currency.scale),
            fee: Amount.decimal(units: withdrawal.feeUnits, scale: currency.scale), destination: withdrawal.destination,
            status: Self.status(withdrawal.state), reason: withdrawal.reason, cancellable: withdrawal.state.cancellable,
            createdAt: withdrawal.createdAt, settledAt: withdrawal.settledAt)
    }

    static func status(_ state: Withdrawal.State) -> StatusPayload {
        switch state {
        case .awaitingConfirmation: .awaitingConfirmation
        case .review: .review
        case .pendingApproval: .pendingApproval
        case .approved: .approved
        case .processing: .processing
        case .unknown: .unknown
        case .paid: .paid
        case .failed: .failed
        case .rejected: .rejected
        case .cancelled: .cancelled
        }
    }
}
