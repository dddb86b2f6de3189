import Compliance
import Core
import Foundation
import Hummingbird
import Identity

/// The console's KYC levels, `/admin/kyc/levels` (`kyc.review`): what each level needs and its
/// four limits in the pivot currency, as data staff change (docs/compliance.md "Levels").
/// Compliance keeps requirements cumulative and audits each change with old and new values.
struct AdminKYCLevelsController {
    let pages: PageRenderer
    let kyc: KYC
    let access: StaffAccess

    /// `console` is the console's route group (`/admin`, signed-in staff, CSRF-checked forms).
    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("kyc/levels").add(middleware: PermissionRequired(.kycReview, access))
        area.get { request, context -> Response in
            let saved = request.uri.queryParameters["result"] == "saved"
            let language = Localization.language(for: request)
            return try await page(
                request: request, context: context, notice: saved ? pages.localization.string("admin.kyc.levels.saved", in: language) : nil)
        }
        area.post(":level") { request, context -> Response in
            let staff = try context.signedInStaff()
            guard let level = context.parameters.get("level", as: Int.self) else { throw AppError(.notFound, code: .notFound) }
            let form = FormFields(String(buffer: try await request.body.collect(upTo: context.maxUploadSize)))
            let requirements = KYCRequirement.allCases.filter { form.values("requires").contains($0.rawValue) }
            func limit(_ name: String) -> String? { form.value(name).flatMap { $0.isEmpty ? nil : $0 } }
            let limits = LevelLimits(
                depositsDay: limit("depositsDay"), deposits30Days: limit("deposits30Days"), withdrawalsDay: limit("withdrawalsDay"),
                withdrawals30Days: limit("withdrawals30Days"))
            do {
                try await kyc.updateLevel(level, requirements: requirements, limits: limits, staff: staff.id)
                return Response.redirect(to: "/admin/kyc/levels?result=saved", type: .normal)
            } catch let problem as KYCLevelProblem {
                try await access.record(
                    "access.refused", by: staff, target: "kyc_level:\(level)", summary: ["reason": problem.code], request, context)
                let language = Localization.language(for: request)
                var words = pages.localization.string("admin.kyc.levels.errors.\(problem.code)", in: language)
                if case .badLimit(let text) = problem { words = words.replacingOccurrences(of: "{value}", with: text) }
                if case .requirementsNotCumulative(let above) = problem {
                    words = words.replacingOccurrences(of: "{level}", with: pages.localization.string("kyc.levels.l\(above)", in: language))
                }
                return try await page(request: request, context: context, status: .unprocessableContent, error: words)
            }
        }
    }

    private func page(
        request: Request, context: AppRequestContext, status: HTTPResponse.Status = .ok, notice: String? = nil, error: String? = nil
    ) async throws -> Response {
        let staff = try context.signedInStaff()
        let language = Localization.language(for: request)
        let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/kyc/levels")
        let model = AdminKYCLevelsPage(
            levels: try await kyc.levels.all(), pivot: kyc.rates.pivot, notice: notice, error: error,
            text: { pages.localization.string($0, in: language) })
        var response = pages.render(
            "admin_kyc_levels", face: .admin, title: "admin.kyc.levels.title", model: model, frame: console.frame, request: request,
            context: context)
        response.status = status
        return response
    }
}

/// The levels page's view model: one form per level.
struct AdminKYCLevelsPage: PageModel {
    struct Requirement {
        let value: String
        let label: String
        let checked: Bool
        /// L0 asks for the e-mail only, and every level asks for it: not a choice.
        let fixed: Bool
    }

    struct Limit {
        let name: String
        let label: String
        let value: String
    }

    struct Level {
        let level: Int
        let name: String
        let requirements: [Requirement]
        let limits: [Limit]
        let updated: String
    }

    let levels: [Level]
    let pivot: String
    let notice: String?
    let error: String?

    init(levels: [KYCLevel], pivot: String, notice: String?, error: String?, text: (String) -> String) {
        self.levels = levels.map { level in
            Level(
                level: level.level, name: text("kyc.levels.l\(level.level)"),
                requirements: KYCRequirement.allCases.map { requirement in
                    Requirement(
                        value: requirement.rawValue, label: text("kyc.requirements.\(requirement.rawValue)"),
                        checked: level.requirements.contains(requirement), fixed: requirement == .emailConfirmed || level.level == 0)
                },
                limits: [
                    Limit(name: "depositsDay", label: text("kyc.limits.deposit.day"), value: level.limits.depositsDay ?? ""),
                    Limit(name: "deposits30Days", label: text("kyc.limits.deposit.thirtyDays"), value: level.limits.deposits30Days ?? ""),
                    Limit(name: "withdrawalsDay", label: text("kyc.limits.withdrawal.day"), value: level.limits.withdrawalsDay ?? ""),
                    Limit(
                        name: "withdrawals30Days", label: text("kyc.limits.withdrawal.thirtyDays"),
                        value: level.limits.withdrawals30Days ?? ""),
                ],
                updated: "\(level.updatedBy) · \(DisplayTime.text(level.updatedAt))")
        }
        self.pivot = pivot
        self.notice = notice
        self.error = error
    }
}

/// A URL-encoded form whose fields may repeat (checkboxes of one name).
struct FormFields {
    let pairs: [(String, String)]

    init(_ body: String) {
        pairs = body.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? ""
            }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
    }

    func values(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }
    func value(_ name: String) -> String? { values(name).first }
}
