import Foundation
import HTTPTypes
import Hummingbird
import Identity

/// The permission check every staff route makes, and the audit trail of staff actions.
struct StaffAccess: Sendable {
    let audit: AuditLog
    let csrf: CSRFProtection

    /// The signed-in staff member if their role grants `permission`. A refusal is written to the
    /// audit log before the 403.
    func require(_ permission: Permission, _ request: Request, _ context: AppRequestContext) async throws -> StaffMember {
        guard let staff = context.staff else { throw AppError(.unauthorized, code: .notSignedIn) }
        guard staff.role.can(permission) else {
            try await record(
                "access.refused", by: staff, target: request.uri.path,
                summary: ["permission": permission.rawValue, "role": staff.role.rawValue],
                request, context)
            throw AppError(.forbidden, code: .forbidden)
        }
        return staff
    }

    /// JSON calls authenticated by cookie must repeat the CSRF token in `X-CSRF-Token`.
    func requireCSRFHeader(_ request: Request) throws {
        guard csrf.isValid(request.headers[.csrfToken], for: request) else { throw AppError(.forbidden, code: .csrfTokenInvalid) }
    }

    func record(
        _ action: String, by staff: StaffMember?, actor: String? = nil, target: String = "", summary: [String: String] = [:],
        _ request: Request,
        _ context: AppRequestContext
    ) async throws {
        try await audit.append(
            AuditEntry(
                actor: actor ?? staff.map { "staff:\($0.id)" } ?? "anonymous", action: action, target: target, summary: summary,
                ip: context.clientAddress, requestID: context.requestID))
    }
}

extension HTTPField.Name {
    static let csrfToken = HTTPField.Name("X-CSRF-Token")!
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
