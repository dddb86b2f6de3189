import Core
import Foundation
import Hummingbird
import Identity
import Payments

/// The console's withdrawals queue, `/admin/withdrawals` (`withdrawals.approve`): what waits for
/// a decision (Compliance's `review`, approvals, the second approver above the four-eyes
/// threshold) or for the gateway, and the latest ones. Approve, reject with a reason the player
/// sees, or ask the gateway where a payout stands; each action is audited.
struct AdminWithdrawalsController {
    let pages: PageRenderer
    let withdrawals: Withdrawals
    let payouts: Payouts
    let currencies: CurrencyCatalog
    let access: StaffAccess

    struct RejectForm: Decodable {
        let reason: String?
    }

    /// Every result a redirect can name: the page shows its words from the locale files.
    static let results = [
        "approved", "firstApproval", "rejected", "reconciled", "secondApproverRequired", "reasonRequired", "playerBlocked",
        "notAwaitingDecision",
    ]

    /// `console` is the console's route group (`/admin`, signed-in staff, CSRF-checked forms).
    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("withdrawals").add(middleware: PermissionRequired(.withdrawalsApprove, access))
        area.get { request, context -> Response in
            let staff = try context.signedInStaff()
            let language = Localization.language(for: request)
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/withdrawals")
            let result = request.uri.queryParameters["result"].map(String.init).flatMap { Self.results.contains($0) ? $0 : nil }
            let page = AdminWithdrawalsPage(
                queue: try await withdrawals.queue(), latest: try await withdrawals.latest(), staff: staff.id,
                catalog: try await currencies.all(), language: language, localization: pages.localization, result: result)
            return pages.render(
                "admin_withdrawals", face: .admin, title: "admin.withdrawals.title", model: page, frame: console.frame, request: request,
                context: context)
        }
        area.post(":id/approve") { request, context -> Response in
            let staff = try context.signedInStaff()
            let id = try context.parameters.require("id")
            do {
                let outcome = try await withdrawals.approve(id, by: staff.id)
                let (action, result) =
                    switch outcome {
                    case .approved: ("payments.withdrawal_approved", "approved")
                    case .awaitingSecondApprover: ("payments.withdrawal_first_approval", "firstApproval")
                    }
                try await access.record(action, by: staff, target: "withdrawal:\(id)", request, context)
                return Response.redirect(to: "/admin/withdrawals?result=\(result)", type: .normal)
            } catch let refusal as WithdrawalStaffRefusal {
                return try await refused(refusal, id: id, staff: staff, request: request, context: context)
            }
        }
        area.post(":id/reject") { request, context -> Response in
            let staff = try context.signedInStaff()
            let id = try context.parameters.require("id")
            let form = try await URLEncodedFormDecoder().decode(
                RejectForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            do {
                let rejected = try await withdrawals.reject(id, by: staff.id, reason: form.reason ?? "")
                try await access.record(
                    "payments.withdrawal_rejected", by: staff, target: "withdrawal:\(id)", summary: ["reason": rejected.reason ?? ""],
                    request, context)
                return Response.redirect(to: "/admin/withdrawals?result=rejected", type: .normal)
            } catch let refusal as WithdrawalStaffRefusal {
                return try await refused(refusal, id: id, staff: staff, request: request, context: context)
            }
        }
        area.post(":id/reconcile") { request, context -> Response in
            let staff = try context.signedInStaff()
            let id = try context.parameters.require("id")
            guard let checked = try await payouts.reconcile(id) else { throw AppError(.notFound, code: .withdrawalNotFound) }
            try await access.record(
                "payments.withdrawal_reconciled", by: staff, target: "withdrawal:\(id)", summary: ["state": checked.state.rawValue],
                request, context)
            return Response.redirect(to: "/admin/withdrawals?result=reconciled", type: .normal)
        }
    }

    private func refused(
        _ refusal: WithdrawalStaffRefusal, id: String, staff: StaffMember, request: Request, context: AppRequestContext
    ) async throws -> Response {
        if refusal == .notFound { throw AppError(.notFound, code: .withdrawalNotFound) }
        try await access.record(
            "access.refused", by: staff, target: "withdrawal:\(id)", summary: ["reason": refusal.code], request, context)
        let result =
            switch refusal {
            case .sameApprover: "secondApproverRequired"
            case .reasonMissing: "reasonRequired"
            case .playerBlocked: "playerBlocked"
            case .notFound, .notAwaitingDecision: "notAwaitingDecision"
            }
        return Response.redirect(to: "/admin/withdrawals?result=\(result)", type: .normal)
    }
}

/// The withdrawals queue's view model.
struct AdminWithdrawalsPage: PageModel {
    let queue: [WithdrawalView]
    let hasQueue: Bool
    let latest: [WithdrawalView]
    let hasLatest: Bool
    let notice: String?
    let error: String?

    init(
        queue: [Withdrawal], latest: [Withdrawal], staff: Int64, catalog: [String: Currency], language: String,
        localization: Localization, result: String?
    ) {
        func text(_ key: String) -> String { localization.string(key, in: language) }
        let formatter = MoneyFormatter(language: language)
        self.queue = queue.map { WithdrawalView($0, catalog: catalog, formatter: formatter, text: text, staff: staff) }
        self.hasQueue = !queue.isEmpty
        self.latest = latest.map { WithdrawalView($0, catalog: catalog, formatter: formatter, text: text, staff: staff) }
        self.hasLatest = !latest.isEmpty
        let message = result.map { text("admin.withdrawals.results.\($0)") }
        let success = ["approved", "firstApproval", "rejected", "reconciled"].contains(result ?? "")
        self.notice = success ? message : nil
        self.error = success ? nil : message
    }
}
