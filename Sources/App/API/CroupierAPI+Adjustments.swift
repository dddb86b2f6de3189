import AppAPI
import Core
import Foundation
import Identity
import Ledger

/// Staff's manual adjustments with four eyes (`money.adjust`, checked by `APIAccessMiddleware`):
/// one staff member asks, another approves (`AdjustmentApprovals`).
extension CroupierAPI {
    func requestAdjustment(_ input: Operations.RequestAdjustment.Input) async throws -> Operations.RequestAdjustment.Output {
        let scope = try APIRequestScope.required()
        let staff = try scope.signedInStaff()
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        let order = StaffAdjustment.Order(
            player: body.player, currency: body.currency, amount: body.amount, reason: body.reason, key: input.headers.idempotencyKey,
            actor: "staff:\(staff.id)")
        let (request, currency) = try await refusingAdjustment {
            try await adjustments.request(order, ip: scope.context.clientAddress, requestID: scope.context.requestID)
        }
        return .ok(.init(body: .json(.init(request, currency: currency))))
    }

    func listAdjustmentRequests(_ input: Operations.ListAdjustmentRequests.Input) async throws
        -> Operations.ListAdjustmentRequests.Output
    {
        var views: [Components.Schemas.AdjustmentRequestView] = []
        for request in try await adjustments.requests.open(at: adjustments.now()) {
            views.append(.init(request, currency: try await currency(request.currency)))
        }
        return .ok(.init(body: .json(.init(requests: views))))
    }

    func approveAdjustment(_ input: Operations.ApproveAdjustment.Input) async throws -> Operations.ApproveAdjustment.Output {
        let scope = try APIRequestScope.required()
        let staff = try scope.signedInStaff()
        let (request, outcome) = try await refusingAdjustment {
            try await adjustments.approve(
                try Self.requestID(input.path.id), by: staff, ip: scope.context.clientAddress, requestID: scope.context.requestID)
        }
        let currency = try await currency(request.currency)
        return .ok(.init(body: .json(.init(request: .init(request, currency: currency), adjustment: .init(outcome, currency: currency)))))
    }

    func rejectAdjustment(_ input: Operations.RejectAdjustment.Input) async throws -> Operations.RejectAdjustment.Output {
        let scope = try APIRequestScope.required()
        let staff = try scope.signedInStaff()
        let request = try await refusingAdjustment {
            try await adjustments.reject(
                try Self.requestID(input.path.id), by: staff, ip: scope.context.clientAddress, requestID: scope.context.requestID)
        }
        return .ok(.init(body: .json(.init(request, currency: try await currency(request.currency)))))
    }

    private static func requestID(_ text: String) throws -> Int64 {
        guard let id = Int64(text), id > 0 else { throw AdjustmentRequests.Refusal.notFound }
        return id
    }

    private func currency(_ code: String) async throws -> Currency {
        guard let currency = try await currencies.currency(code) else { throw AppError(.internalServerError, code: .internalError) }
        return currency
    }

    /// The contexts' refusals as the contract names them.
    private func refusingAdjustment<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as StaffAdjustment.Refusal {
            throw AppError(.badRequest, code: ErrorCode(refusal))
        } catch let refusal as AdjustmentRequests.Refusal {
            switch refusal {
            case .notFound: throw AppError(.notFound, code: .adjustmentRequestNotFound)
            case .notOpen: throw AppError(.conflict, code: .adjustmentRequestNotOpen)
            case .keyReused: throw AppError(.conflict, code: .adjustmentKeyReused)
            case .ownRequest: throw AppError(.forbidden, code: .ownAdjustmentRequest)
            case .ownerRequired: throw AppError(.forbidden, code: .ownerApprovalRequired)
            }
        }
    }
}

extension Components.Schemas.AdjustmentRequestView {
    init(_ request: AdjustmentRequests.Request, currency: Currency) {
        self.init(
            id: String(request.id), player: request.player.rawValue, currency: request.currency,
            amount: Amount.decimal(units: request.units, scale: currency.scale), reason: request.reason, requestedBy: request.requestedBy,
            ownerRequired: request.requiresOwner, state: .init(rawValue: request.state.rawValue) ?? .requested,
            requestedAt: request.requestedAt, expiresAt: request.expiresAt, decidedBy: request.decidedBy, decidedAt: request.decidedAt,
            transaction: request.transactionID.map(String.init))
    }
}

extension Components.Schemas.Adjustment {
    init(_ outcome: Outcome, currency: Currency) {
        self.init(
            code: .init(outcome.code), transaction: outcome.transactionID.map(String.init),
            balanceAfter: outcome.balances.map { .init($0, currency: currency) })
    }
}

extension Components.Schemas.Adjustment.CodePayload {
    init(_ code: ResultCode) {
        self =
            switch code {
            case .ok: .ok
            case .duplicateMismatch: .duplicateMismatch
            case .insufficientFunds: .insufficientFunds
            case .referenceNotFound: .referenceNotFound
            case .alreadyRolledBack: .alreadyRolledBack
            case .alreadySettled: .alreadySettled
            case .notReversible: .notReversible
            case .invalidAmount: .invalidAmount
            case .amountOverflow: .amountOverflow
            case .unknownCurrency: .unknownCurrency
            case .currencyMismatch: .currencyMismatch
            case .invalidKey: .invalidKey
            case .invalidMetadata: .invalidMetadata
            }
    }
}
