import Foundation
import Hummingbird
import Identity

/// `/admin/audit` (audit.view): the hash-chained audit log, filtered by actor and action, with
/// the chain's verification on every view.
struct AuditLogPage {
    let pages: PageRenderer
    let access: StaffAccess
    let audit: AuditLog

    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        console.group("audit").add(middleware: PermissionRequired(.auditView, access)).get { request, context -> Response in
            let staff = try context.signedInStaff()
            let query = request.uri.queryParameters
            let filter = AuditLog.Filter(
                actor: query["actor"].flatMap { $0.isEmpty ? nil : String($0) },
                action: query["action"].flatMap { $0.isEmpty ? nil : String($0) },
                before: query["before"].flatMap { Int64($0) }, limit: 50)
            async let records = audit.search(filter)
            async let chain = audit.verify()
            let console = AdminConsole(
                staff: staff, localization: pages.localization, language: Localization.language(for: request), path: request.uri.path)
            let page = console.auditPage(records: try await records, chain: try await chain, filter: filter, pageSize: 50)
            return pages.render(
                "admin_audit", face: .admin, title: "admin.audit.title", model: page, frame: console.frame, request: request,
                context: context)
        }
    }
}
