import Foundation
import Hummingbird
import Identity

/// `/admin/health` (`system.view`; docs/operations.md "System health"): every dependency, queue,
/// the event stream, the schema and every running copy with its background jobs. The page
/// refreshes itself every few seconds (`data-live-refresh`, ui.js).
struct AdminHealthController {
    let pages: PageRenderer
    let health: SystemHealth
    let access: StaffAccess

    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        console.group("health").add(middleware: PermissionRequired(.systemView, access)).get { request, context -> Response in
            let staff = try context.signedInStaff()
            let language = Localization.language(for: request)
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/health")
            let model = AdminHealthPage(await health.snapshot(), streamName: health.stream.name, now: Date()) {
                pages.localization.string($0, in: language)
            }
            var response = pages.render(
                "admin_health", face: .admin, title: "admin.health.title", model: model, frame: console.frame, request: request,
                context: context)
            response.headers[.cacheControl] = "no-store"
            return response
        }
    }
}
