import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Reporting

/// The console's reports, `/admin/reports` (`reports.view`; docs/reports.md): presets or a chosen
/// question, its table and chart, and its export as CSV, XLSX or JSON. Reading only, so plain GETs: a report is a
/// link that can be kept and shared with whoever may see reports.
struct AdminReportsController {
    let pages: PageRenderer
    let access: StaffAccess
    let reports: Reports
    let library: SavedReportLibrary

    /// An error named in the URL (after a refused form), if it is one the page knows.
    static func known(_ code: Substring) -> String? {
        AdminSavedReportsController.errors.contains(String(code)) ? String(code) : nil
    }

    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("reports").add(middleware: PermissionRequired(.reportsView, access))
        area.get { request, context -> Response in
            let staff = try context.signedInStaff()
            let language = Localization.language(for: request)
            let text = { (key: String) in pages.localization.string(key, in: language) }
            let parameters = request.uri.queryParameters
            var query = AdminReportsQuery(parameters, today: Date())
            var spec = query.spec
            var problem = parameters["error"].flatMap(Self.known).map { text("admin.reports.errors.\($0)") }
            var savedReport: SavedReport?
            if let id = parameters["saved"].flatMap({ Int64(String($0)) }) {
                do {
                    let report = try await library.saved.find(id)
                    // The saved spec itself runs (its order and limit too); the form shows its question.
                    spec = report.spec(at: library.now())
                    query = AdminReportsQuery(spec)
                    savedReport = report
                } catch let refusal as SavedReportRefusal {
                    problem = text("admin.reports.errors.\(refusal.code)")
                }
            }
            var table: ReportRunner.Table?
            var status = HTTPResponse.Status.ok
            if query.asked {
                do {
                    table = try await reports.run(spec)
                } catch let refusal as ReportRefusal {
                    problem = text("admin.reports.errors.\(refusal.code)")
                    status = .badRequest
                } catch {
                    context.logger.error("a report did not run", metadata: ["reason": "\(error)"])
                    problem = text("admin.reports.errors.reportingUnavailable")
                    status = .serviceUnavailable
                }
            }
            let saved = AdminSavedReportsPanel(
                reports: try await library.saved.all(), schedules: try await library.schedules.all(), query: table == nil ? nil : query,
                canManage: staff.role.can(.reportsManage), text: text)
            let notice = parameters["result"].flatMap { AdminSavedReportsController.results.contains(String($0)) ? String($0) : nil }
            let page = AdminReportsPage(
                query: query, table: table, currencies: try await reports.currencies.all().keys.sorted(), pivot: reports.pivot,
                error: problem,
                notice: notice.map { text("admin.reports.saved.results.\($0)") }, saved: saved, opened: savedReport, text: text)
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/reports")
            var response = pages.render(
                "admin_reports", face: .admin, title: "admin.reports.title", model: page, frame: console.frame, request: request,
                context: context)
            response.status = status
            return response
        }
        area.get("export") { request, context -> Response in
            let query = AdminReportsQuery(request.uri.queryParameters, today: Date())
            let table: ReportRunner.Table
            do {
                table = try await reports.run(query.spec)
            } catch let refusal as ReportRefusal {
                throw AppError(.badRequest, code: ErrorCode(refusal))
            } catch {
                context.logger.error("a report export did not run", metadata: ["reason": "\(error)"])
                throw AppError(.serviceUnavailable, code: .reportingUnavailable)
            }
            let file = try ReportExport(table, format: ReportExport.Format(request.uri.queryParameters["format"]), measures: query.measures)
            return file.response(named: "croupier-report-\(query.from)-\(query.to)")
        }
    }
}
