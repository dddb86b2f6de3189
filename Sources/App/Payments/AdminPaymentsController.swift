import Core
import Foundation
import Hummingbird
import Payments

/// The console's payments area, `/admin/payments` (`payments.manage`): the latest deposits of
/// every player, and the webhook inbox with each event's outcome. A failed event (retries spent,
/// or a verdict only staff can take, such as a paid amount that differs from the deposit's) can
/// be put back in the queue once the cause is dealt with; that is audited.
struct AdminPaymentsController {
    let pages: PageRenderer
    let deposits: Deposits
    let inbox: WebhookInbox
    let currencies: CurrencyCatalog
    let access: StaffAccess

    /// `console` is the console's route group (`/admin`, signed-in staff, CSRF-checked forms).
    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("payments").add(middleware: PermissionRequired(.paymentsManage, access))
        area.get { request, context -> Response in
            let staff = try context.signedInStaff()
            let language = Localization.language(for: request)
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/payments")
            let page = AdminPaymentsPage(
                deposits: try await deposits.latest(), events: try await inbox.latest(), catalog: try await currencies.all(),
                language: language, localization: pages.localization,
                notice: request.uri.queryParameters["result"] == "queued"
                    ? pages.localization.string("admin.payments.inbox.queued", in: language) : nil)
            return pages.render(
                "admin_payments", face: .admin, title: "admin.payments.title", model: page, frame: console.frame, request: request,
                context: context)
        }
        area.post("events/:id/reprocess") { request, context -> Response in
            let staff = try context.signedInStaff()
            guard let id = context.parameters.get("id", as: Int64.self), try await inbox.reprocess(id) else {
                throw AppError(.notFound, code: .notFound)
            }
            try await access.record("payments.webhook_reprocessed", by: staff, target: "webhook_event:\(id)", request, context)
            return Response.redirect(to: "/admin/payments?result=queued", type: .normal)
        }
    }
}

/// The payments area's view model: amounts formatted for the viewer, states and labels from the
/// locale files.
struct AdminPaymentsPage: PageModel {
    struct EventRow {
        let id: String
        let gateway: String
        let eventId: String
        let eventType: String
        let state: String
        let stateLabel: String
        let badge: String
        let outcome: String
        let attempts: Int
        let receivedISO: String
        let receivedText: String
        let failed: Bool
    }

    let deposits: [DepositView]
    let hasDeposits: Bool
    let events: [EventRow]
    let hasEvents: Bool
    let notice: String?

    init(
        deposits: [Deposit], events: [WebhookInbox.Event], catalog: [String: Currency], language: String, localization: Localization,
        notice: String?
    ) {
        func text(_ key: String) -> String { localization.string(key, in: language) }
        let formatter = MoneyFormatter(language: language)
        self.deposits = deposits.map { DepositView($0, catalog: catalog, formatter: formatter, text: text) }
        self.hasDeposits = !deposits.isEmpty
        self.events = events.map { event in
            EventRow(
                id: String(event.id), gateway: event.gateway, eventId: event.eventID, eventType: event.eventType,
                state: event.state.rawValue,
                stateLabel: text("admin.payments.inbox.states.\(event.state.rawValue)"),
                badge: event.state == .processed ? "success" : event.state == .failed ? "danger" : "warning", outcome: event.outcome ?? "",
                attempts: event.attempts, receivedISO: event.receivedAt.formatted(.iso8601),
                receivedText: DisplayTime.text(event.receivedAt),
                failed: event.state == .failed)
        }
        self.hasEvents = !events.isEmpty
        self.notice = notice
    }
}
