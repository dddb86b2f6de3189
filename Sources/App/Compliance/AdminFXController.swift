import Compliance
import Core
import Foundation
import Hummingbird
import Identity

/// The console's FX rates, `/admin/fx` (`payments.manage`; docs/compliance.md "FX"): the rate of
/// each currency to the pivot valid now, every rate set, a form to set one and a CSV import (all
/// rows or none). Compliance audits each change.
struct AdminFXController {
    let pages: PageRenderer
    let rates: FXRates
    let access: StaffAccess

    struct RateForm: Decodable {
        let currency: String?
        let rate: String?
        let validFrom: String?
    }

    static let results = ["rateSet", "imported"]

    /// `console` is the console's route group (`/admin`, signed-in staff, CSRF-checked forms).
    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("fx").add(middleware: PermissionRequired(.paymentsManage, access))
        area.get { request, context -> Response in
            let result = request.uri.queryParameters["result"].map(String.init).flatMap { Self.results.contains($0) ? $0 : nil }
            let language = Localization.language(for: request)
            let notice = result.map { pages.localization.string("admin.fx.results.\($0)", in: language) }
                .map {
                    $0.replacingOccurrences(
                        of: "{count}", with: request.uri.queryParameters["count"].flatMap { Int($0) }.map(String.init) ?? "")
                }
            return try await page(request: request, context: context, notice: notice)
        }
        area.post { request, context -> Response in
            let staff = try context.signedInStaff()
            let form = try await URLEncodedFormDecoder().decode(
                RateForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            guard let validFrom = RateText.time(form.validFrom ?? "") else {
                return try await refused(FXRateProblem.badTime(form.validFrom ?? "").code, form: form, request: request, context: context)
            }
            do {
                try await rates.set(currency: form.currency ?? "", rate: form.rate ?? "", validFrom: validFrom, staff: staff.id)
                return Response.redirect(to: "/admin/fx?result=rateSet", type: .normal)
            } catch let problem as FXRateProblem {
                return try await refused(problem.code, form: form, request: request, context: context)
            }
        }
        area.post("import") { request, context -> Response in
            let staff = try context.signedInStaff()
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let csv: String
            if let type = request.headers[.contentType], MultipartForm.boundary(contentType: type) != nil {
                guard let form = try? MultipartForm(body: Array(buffer: body), contentType: type) else {
                    let language = Localization.language(for: request)
                    return try await page(
                        request: request, context: context, status: .badRequest,
                        importErrors: [pages.localization.string("admin.fx.errors.csvUnreadable", in: language)])
                }
                let file = form.file("file").flatMap { $0.body.isEmpty ? nil : String(validating: $0.body, as: UTF8.self) }
                csv = file ?? form.field("csv") ?? ""
            } else {
                csv = String(buffer: body)
            }
            do {
                let count = try await rates.importCSV(csv, staff: staff.id)
                return Response.redirect(to: "/admin/fx?result=imported&count=\(count)", type: .normal)
            } catch let refusal as FXImportRefusal {
                let language = Localization.language(for: request)
                let lines =
                    refusal.badHeader
                    ? [pages.localization.string("admin.fx.errors.fxBadHeader", in: language)]
                    : refusal.problems.map { problem in
                        pages.localization.string("admin.fx.errors.line", in: language)
                            .replacingOccurrences(of: "{line}", with: String(problem.line))
                            .replacingOccurrences(
                                of: "{problem}", with: pages.localization.string("admin.fx.errors.\(problem.problem.code)", in: language))
                    }
                return try await page(request: request, context: context, status: .unprocessableContent, importErrors: lines)
            }
        }
    }

    private func refused(_ code: String, form: RateForm, request: Request, context: AppRequestContext) async throws -> Response {
        let language = Localization.language(for: request)
        return try await page(
            request: request, context: context, status: .unprocessableContent,
            error: pages.localization.string("admin.fx.errors.\(code)", in: language),
            typed: .init(currency: form.currency ?? "", rate: form.rate ?? "", validFrom: form.validFrom ?? ""))
    }

    private func page(
        request: Request, context: AppRequestContext, status: HTTPResponse.Status = .ok, notice: String? = nil, error: String? = nil,
        typed: AdminFXPage.Typed = .init(), importErrors: [String] = []
    ) async throws -> Response {
        let staff = try context.signedInStaff()
        let language = Localization.language(for: request)
        let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/fx")
        let model = AdminFXPage(
            pivot: rates.pivot, current: try await rates.current(), history: try await rates.history(), notice: notice, error: error,
            typed: typed, importErrors: importErrors)
        var response = pages.render(
            "admin_fx", face: .admin, title: "admin.fx.title", model: model, frame: console.frame, request: request, context: context)
        response.status = status
        return response
    }
}

/// The FX page's view model.
struct AdminFXPage: PageModel {
    struct Rate {
        let currency: String
        let rate: String
        let validFromISO: String
        let validFrom: String
        let setBy: String
    }

    struct Typed {
        var currency = ""
        var rate = ""
        var validFrom = ""
    }

    let pivot: String
    let current: [Rate]
    let hasCurrent: Bool
    let history: [Rate]
    let notice: String?
    let error: String?
    let typed: Typed
    let importErrors: [String]
    let hasImportErrors: Bool

    init(pivot: String, current: [FXRate], history: [FXRate], notice: String?, error: String?, typed: Typed, importErrors: [String]) {
        func row(_ rate: FXRate) -> Rate {
            Rate(
                currency: rate.currency, rate: rate.rate, validFromISO: rate.validFrom.formatted(.iso8601),
                validFrom: rate.validFrom.formatted(.iso8601), setBy: rate.setBy)
        }
        self.pivot = pivot
        self.current = current.map(row)
        hasCurrent = !current.isEmpty
        self.history = history.map(row)
        self.notice = notice
        self.error = error
        self.typed = typed
        self.importErrors = importErrors
        hasImportErrors = !importErrors.isEmpty
    }
}
