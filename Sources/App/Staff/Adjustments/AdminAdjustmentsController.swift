import Core
import Foundation
import Hummingbird
import Identity
import Ledger

/// The console's manual adjustments, `/admin/adjustments` (`money.adjust`; docs/back-office.md
/// "Adjustments"): a form to ask for a credit or debit, the open requests with approve and reject,
/// each a CSRF-checked form that `AdjustmentApprovals` audits.
struct AdminAdjustmentsController {
    let pages: PageRenderer
    let approvals: AdjustmentApprovals
    let currencies: CurrencyCatalog
    let access: StaffAccess

    struct RequestForm: Decodable {
        let player: String?
        let currency: String?
        let amount: String?
        let reason: String?
        /// Made when the form was shown, so that a form sent twice asks once.
        let key: String?
    }

    static let results = ["requested", "approved", "rejected"]

    /// `console` is the console's route group (`/admin`, signed-in staff, CSRF-checked forms).
    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("adjustments").add(middleware: PermissionRequired(.moneyAdjust, access))
        area.get { request, context -> Response in
            let result = request.uri.queryParameters["result"].map(String.init).flatMap { Self.results.contains($0) ? $0 : nil }
            return try await page(request: request, context: context, notice: result.map { "admin.adjustments.results.\($0)" })
        }
        area.post { request, context -> Response in
            let staff = try context.signedInStaff()
            let form = try await URLEncodedFormDecoder().decode(
                RequestForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let order = StaffAdjustment.Order(
                player: Int64(form.player ?? "") ?? 0, currency: form.currency ?? "", amount: form.amount ?? "", reason: form.reason ?? "",
                key: form.key ?? "", actor: "staff:\(staff.id)")
            return try await answering(request, context, form: form) {
                _ = try await approvals.request(order, ip: context.clientAddress, requestID: context.requestID)
                return "requested"
            }
        }
        for action in ["approve", "reject"] {
            area.post(":id/\(action)") { request, context -> Response in
                let staff = try context.signedInStaff()
                guard let id = Int64(try context.parameters.require("id")) else { throw AppError(.notFound, code: .invalidRequest) }
                return try await answering(request, context, form: nil) {
                    guard action == "approve" else {
                        _ = try await approvals.reject(id, by: staff, ip: context.clientAddress, requestID: context.requestID)
                        return "rejected"
                    }
                    let (_, outcome) = try await approvals.approve(id, by: staff, ip: context.clientAddress, requestID: context.requestID)
                    guard outcome.code == .ok else { throw LedgerRefused(code: outcome.code) }
                    return "approved"
                }
            }
        }
    }

    /// The ledger's refusal of an approved request's money; the request stays open.
    struct LedgerRefused: Error {
        let code: ResultCode
    }

    /// Runs a step and redirects to its result, or shows the page again with the refusal named
    /// (and what was typed, so nothing has to be typed twice).
    private func answering(_ request: Request, _ context: AppRequestContext, form: RequestForm?, _ step: () async throws -> String)
        async throws -> Response
    {
        let error: String
        do {
            return Response.redirect(to: "/admin/adjustments?result=\(try await step())", type: .normal)
        } catch let refusal as StaffAdjustment.Refusal {
            error = ErrorCode(refusal).rawValue
        } catch let refusal as AdjustmentRequests.Refusal {
            error = refusal.rawValue
        } catch let refused as LedgerRefused {
            error = refused.code == .insufficientFunds ? "insufficientFunds" : "ledgerRefused"
        }
        return try await page(
            request: request, context: context, status: .unprocessableContent, error: "admin.adjustments.errors.\(error)", form: form)
    }

    private func page(
        request: Request, context: AppRequestContext, status: HTTPResponse.Status = .ok, notice: String? = nil, error: String? = nil,
        form: RequestForm? = nil
    ) async throws -> Response {
        let staff = try context.signedInStaff()
        let language = Localization.language(for: request)
        let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/adjustments")
        let typed = AdminAdjustmentsPage.Typed(
            player: form?.player ?? request.uri.queryParameters["player"].map(String.init) ?? "", currency: form?.currency ?? "",
            amount: form?.amount ?? "", reason: form?.reason ?? "")
        let model = AdminAdjustmentsPage(
            open: try await approvals.requests.open(at: approvals.now()), staff: staff, catalog: try await currencies.all(),
            ownerFrom: approvals.owners.amounts, typed: typed, language: language, localization: pages.localization,
            notice: notice, error: error)
        var response = pages.render(
            "admin_adjustments", face: .admin, title: "admin.adjustments.title", model: model, frame: console.frame, request: request,
            context: context)
        response.status = status
        return response
    }
}
