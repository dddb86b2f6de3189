import Hummingbird
import Identity

/// The console's gate: its routes run only for a signed-in staff member. A page request without
/// one goes to the sign-in form; anything else is refused with 401.
struct StaffSignInRequired: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.staff == nil else { return try await next(request, context) }
        guard request.method == .get || request.method == .head else { throw AppError(.unauthorized, code: .notSignedIn) }
        return Response.redirect(to: SiteRoute.adminLogin.rawValue, type: .normal)
    }
}

extension AppRequestContext {
    /// The staff member a console route runs for; `StaffSignInRequired` guarantees there is one.
    func signedInStaff() throws -> StaffMember {
        guard let staff else { throw AppError(.unauthorized, code: .notSignedIn) }
        return staff
    }
}
