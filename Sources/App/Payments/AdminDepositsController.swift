import Core
import Foundation
import Hummingbird
import Payments

/// The console's money view, `/admin/deposits` (`money.view`, which support has too): every
/// player's latest deposits and withdrawals, read only. Acting on them takes `payments.manage`
/// (the webhook inbox) or `withdrawals.approve` (the queue).
struct AdminDepositsController {
    let pages: PageRenderer
    let deposits: Deposits
    let withdrawals: Withdrawals
    let currencies: CurrencyCatalog
    let access: StaffAccess

    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("deposits").add(middleware: PermissionRequired(.moneyView, access))
        area.get { request, context -> Response in
            let staff = try context.signedInStaff()
            let language = Localization.language(for: request)
            func text(_ key: String) -> String { pages.localization.string(key, in: language) }
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/deposits")
            let catalog = try await currencies.all()
            let formatter = MoneyFormatter(language: language)
            let deposits = try await deposits.latest().map { DepositView($0, catalog: catalog, formatter: formatter, text: text) }
            let withdrawals = try await withdrawals.latest().map { WithdrawalView($0, catalog: catalog, formatter: formatter, text: text) }
            return pages.render(
                "admin_deposits", face: .admin, title: "admin.deposits.title",
                model: AdminDepositsPage(
                    deposits: deposits, hasDeposits: !deposits.isEmpty, withdrawals: withdrawals, hasWithdrawals: !withdrawals.isEmpty),
                frame: console.frame, request: request, context: context)
        }
    }
}

struct AdminDepositsPage: PageModel {
    let deposits: [DepositView]
    let hasDeposits: Bool
    let withdrawals: [WithdrawalView]
    let hasWithdrawals: Bool
}
