import AppAPI
import Core
import Identity
import Ledger

/// Staff sign-in.
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
