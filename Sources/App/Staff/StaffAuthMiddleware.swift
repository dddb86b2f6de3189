import Hummingbird
import Identity

/// Resolves the `croupier_staff` session cookie to a staff member for every request.
struct StaffAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let cookieName = "croupier_staff"
    let sessions: SessionStore
    let directory: StaffDirectory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = request.cookies[Self.cookieName]?.value,
            case .staff(let id) = try await sessions.resolve(token, policy: .staff)
        {
            context.staff = try await directory.member(id: id)
        }
        return try await next(request, context)
    }
}
