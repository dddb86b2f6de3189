import Hummingbird
import Identity

/// A console area's permission: a staff member whose role lacks it gets 403, and the refusal is
/// written to the audit log (`StaffAccess.require`). Runs after `SignInRequired.staff`.
struct PermissionRequired: RouterMiddleware {
    typealias Context = AppRequestContext
    let permission: Permission
    let access: StaffAccess

    init(_ permission: Permission, _ access: StaffAccess) {
        self.permission = permission
        self.access = access
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        _ = try await access.require(permission, request, context)
        return try await next(request, context)
    }
}
