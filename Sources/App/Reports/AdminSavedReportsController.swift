import Foundation
import Hummingbird
import Identity
import Reporting

/// The console's changes to saved reports, `/admin/reports/saved/…` (`reports.manage`; docs/reports.md
/// "Saved reports"): save the report on screen, delete one, set or stop its schedule, send it now.
/// Each is a CSRF-checked form that `SavedReportLibrary` audits, answered by a redirect to the
/// reports page naming the result, or the refusal.
struct AdminSavedReportsController {
    let access: StaffAccess
    let library: SavedReportLibrary

    static let results: Set = ["saved", "deleted", "scheduled", "unscheduled", "queued"]
    /// The refusals the page can name.
    static let errors: Set = [
        "reportNotFound", "reportNameTaken", "reportNameInvalid", "reportVersionConflict", "scheduleInvalid", "recipientsInvalid",
        "attachmentTooLarge", "noMeasures", "unknownMeasure", "unknownDimension", "unknownGrain", "unknownTimeZone",
        "invalidRange", "rangeTooLarge", "limitOutOfRange", "tooManyFilterValues", "invalidFilterValue", "invalidOrder", "currencyRequired",
        "dimensionNotApplicable", "reportingUnavailable", "internalError",
    ]

    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("reports/saved").add(middleware: PermissionRequired(.reportsManage, access))
        area.post { request, context -> Response in
            let form = try await Self.form(request, context)
            let query = AdminReportsQuery(form, today: Date())
            let draft = SavedReportDraft(
                name: form["name"].map { String($0) } ?? "", spec: query.spec,
                relativeRange: form["range"].flatMap { RelativeRange(rawValue: String($0)) })
            return await answering(nil, context) {
                let report = try await library.create(
                    draft, by: try context.signedInStaff(), ip: context.clientAddress, requestID: context.requestID)
                return (report.id, "saved")
            }
        }
        area.post(":id/schedule") { request, context -> Response in
            let id = try Self.id(context)
            let form = try await Self.form(request, context)
            let value = { (name: Substring) in form[name].map { String($0) } ?? "" }
            let staff = try context.signedInStaff()
            let schedule = ReportSchedule(
                cadence: .init(rawValue: value("cadence")) ?? .daily, weekday: Int(value("weekday")), hour: Int(value("hour")) ?? -1,
                timeZone: value("tz"), format: .init(rawValue: value("format")) ?? .csv,
                recipients: value("recipients").split(whereSeparator: { ",;\n\r".contains($0) }).map(String.init).filter {
                    !$0.trimmingCharacters(in: .whitespaces).isEmpty
                }, language: Localization.language(for: request))
            return await answering(id, context) {
                _ = try await library.schedule(id, schedule, by: staff, ip: context.clientAddress, requestID: context.requestID)
                return (id, "scheduled")
            }
        }
        // Each a button: the report's id is all they take.
        let actions: [(path: String, result: String, act: @Sendable (Int64, StaffMember, String, String) async throws -> Void)] = [
            ("delete", "deleted", { try await library.delete($0, by: $1, ip: $2, requestID: $3) }),
            ("unschedule", "unscheduled", { try await library.unschedule($0, by: $1, ip: $2, requestID: $3) }),
            ("send", "queued", { try await library.sendNow($0, by: $1, ip: $2, requestID: $3) }),
        ]
        for action in actions {
            area.post(":id/\(action.path)") { _, context -> Response in
                let id = try Self.id(context)
                let staff = try context.signedInStaff()
                return await answering(id, context) {
                    try await action.act(id, staff, context.clientAddress, context.requestID)
                    return (action.path == "delete" ? nil : id, action.result)
                }
            }
        }
    }

    /// Runs a change and redirects to the page with its result, or with the refusal named.
    private func answering(_ id: Int64?, _ context: AppRequestContext, _ change: () async throws -> (Int64?, String)) async -> Response {
        do {
            let (shown, result) = try await change()
            return Response.redirect(to: "/admin/reports?\(shown.map { "saved=\($0)&" } ?? "")result=\(result)", type: .normal)
        } catch let refusal as SavedReportRefusal {
            let saved = refusal == .notFound ? "" : id.map { "saved=\($0)&" } ?? ""
            return Response.redirect(to: "/admin/reports?\(saved)error=\(refusal.code)", type: .normal)
        } catch {
            context.logger.error("a saved report did not change", metadata: ["reason": "\(error)"])
            return Response.redirect(to: "/admin/reports?error=internalError", type: .normal)
        }
    }

    static func id(_ context: AppRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")) else { throw AppError(.notFound, code: .reportNotFound) }
        return id
    }

    /// A form's fields (`application/x-www-form-urlencoded`), read as the reports page reads its
    /// URL: the save form repeats `measure` and `dimension`.
    static func form(_ request: Request, _ context: AppRequestContext) async throws -> Parameters {
        let body = String(buffer: try await request.body.collect(upTo: context.maxUploadSize))
        let fields = body.split(separator: "&").map { field -> (key: Substring, value: Substring) in
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in Substring(text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "") }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
        return Parameters(fields)
    }
}
