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

    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("reports").add(middleware: PermissionRequired(.reportsView, access))
        area.get { request, context -> Response in
            let staff = try context.signedInStaff()
            let language = Localization.language(for: request)
            let text = { (key: String) in pages.localization.string(key, in: language) }
            let query = AdminReportsQuery(request.uri.queryParameters, today: Date())
            var table: ReportRunner.Table?
            var problem: String?
            var status = HTTPResponse.Status.ok
            if query.asked {
                do {
                    table = try await reports.run(query.spec)
                } catch let refusal as ReportRefusal {
                    problem = text("admin.reports.errors.\(refusal.code)")
                    status = .badRequest
                } catch {
                    context.logger.error("a report did not run", metadata: ["reason": "\(error)"])
                    problem = text("admin.reports.errors.reportingUnavailable")
                    status = .serviceUnavailable
                }
            }
            let page = AdminReportsPage(
                query: query, table: table, currencies: try await reports.currencies.all().keys.sorted(), error: problem, text: text)
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
            let name = "croupier-report-\(query.from)-\(query.to)"
            let (body, type, suffix): (ByteBuffer, String, String) =
                switch request.uri.queryParameters["format"] ?? "csv" {
                case "xlsx":
                    (
                        ByteBuffer(bytes: ReportXLSX.bytes(table, measures: Set(query.measures))),
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
                    )
                case "json": (ByteBuffer(bytes: try ReportJSON.bytes(table)), "application/json", "json")
                default: (ByteBuffer(string: ReportCSV.text(table)), "text/csv; charset=utf-8", "csv")
                }
            var response = Response(status: .ok, body: .init(byteBuffer: body))
            response.headers[.contentType] = type
            response.headers[.contentDisposition] = #"attachment; filename="\#(name).\#(suffix)""#
            return response
        }
    }
}

/// A report as JSON, the API's shape: `{"columns": [...], "rows": [[...]]}`.
enum ReportJSON {
    struct Body: Encodable {
        let columns: [String]
        let rows: [[String]]
    }

    static func bytes(_ table: ReportRunner.Table) throws -> [UInt8] {
        Array(try JSONEncoder().encode(Body(columns: table.columns, rows: table.rows)))
    }
}

/// A report as CSV (RFC 4180): a header row, then the rows. A text cell a spreadsheet would run
/// as a formula (starting `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`; numbers are left as
/// they are, negative ones included.
enum ReportCSV {
    static func text(_ table: ReportRunner.Table) -> String {
        ([table.columns] + table.rows).map { row in row.map(cell).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    static func cell(_ value: String) -> String {
        var value = value
        if Double(value) == nil, let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
