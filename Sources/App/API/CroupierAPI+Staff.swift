import AppAPI
import Core
import Identity
import Ledger

/// Staff sign-in and staff money adjustments (`money.adjust`, checked by `APIAccessMiddleware`).
extension CroupierAPI {
    func signInStaff(_ input: Operations.SignInStaff.Input) async throws -> Operations.SignInStaff.Output {
        let scope = try APIRequestScope.required()
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        try await staffSignIn.limits.check(scope.request, scope.context, identity: "staff:\(body.email)")
        switch await staffSignIn.signIn(email: body.email, password: body.password, totp: body.totp, scope.request, scope.context) {
        case .success(let (staff, sessionCookie)):
            let (csrfToken, seedCookie) = auth.pages.csrf.token(for: scope.request, issuing: sessionCookie)
            scope.cookies.set(sessionCookie)
            if let seedCookie { scope.cookies.set(seedCookie) }
            return .ok(.init(body: .json(.init(staff: .init(staff), csrfToken: csrfToken))))
        case .failure(.lockedOut(let until)):
            throw RetryLater(code: .lockedOut, until: until)
        case .failure(.invalidCredentials):
            throw AppError(.unauthorized, code: .invalidCredentials)
        }
    }

    func adjustBalance(_ input: Operations.AdjustBalance.Input) async throws -> Operations.AdjustBalance.Output {
        let scope = try APIRequestScope.required()
        let staff = try scope.signedInStaff()
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        let order = StaffAdjustment.Order(
            player: body.player, currency: body.currency, amount: body.amount, reason: body.reason, key: input.headers.idempotencyKey,
            actor: "staff:\(staff.id)")
        do {
            let (outcome, currency) = try await adjustments.apply(
                order, ip: scope.context.clientAddress, requestID: scope.context.requestID)
            return .ok(.init(body: .json(.init(outcome, currency: currency))))
        } catch let refusal as StaffAdjustment.Refusal {
            throw AppError(.badRequest, code: ErrorCode(refusal))
        }
    }
}

extension Components.Schemas.StaffSignedIn.StaffPayload {
    init(_ member: StaffMember) {
        self.init(
            id: String(member.id), email: member.email, role: .init(member.role),
            permissions: member.role.permissions.map(\.rawValue).sorted())
    }
}

extension Components.Schemas.StaffSignedIn.StaffPayload.RolePayload {
    init(_ role: StaffRole) {
        self =
            switch role {
            case .owner: .owner
            case .admin: .admin
            case .finance: .finance
            case .risk: .risk
            case .support: .support
            case .analyst: .analyst
            }
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
