import Core
import Foundation
import Payments

/// The cashier page's view model (`/cashier`): the payment methods with their limits, the
/// deposit and withdrawal forms, the deposit the player just came back from, the withdrawal
/// whose step they are at, and their latest deposits and withdrawals. Every label from the locale
/// files, every amount formatted for the viewer's language.
struct CashierPage: PageModel {
    struct Method {
        /// `<gateway>:<currency>`, what the form posts.
        let value: String
        let label: String
        let limits: String
        let selected: Bool
    }

    /// What the player typed into a form, shown again when it was refused.
    struct Typed {
        var chosen: String = ""
        var amount: String = ""
        var destination: String = ""
        var bonusCode: String = ""
    }

    struct Focus {
        let id: String
        let status: String
        let title: String
        let text: String
        let alert: String
        /// Still waiting for the gateway: the page watches the deposit and reloads when it moves.
        let pending: Bool
    }

    let methods: [Method]
    let hasMethods: Bool
    /// The limits of the method the form starts with (the page's script follows the choice).
    let selectedLimits: String
    let presets: [String]
    let amount: String
    let error: String?
    let deposits: [DepositView]
    let hasDeposits: Bool
    let focus: Focus?

    let payoutMethods: [Method]
    let hasPayoutMethods: Bool
    let payoutLimits: String
    let withdrawalAmount: String
    let destination: String
    let withdrawalError: String?
    let withdrawals: [WithdrawalView]
    let hasWithdrawals: Bool
    /// The withdrawal whose step the player is at (the code to type, or where it stands).
    let withdrawal: WithdrawalView?
    /// What the player owes after refunds or disputes took back more than their balance held,
    /// per currency: their next deposits pay it first.
    let debts: [String]
    let hasDebts: Bool
    /// The player's KYC level in a sentence, with a link to their limits (docs/compliance.md).
    let verification: String
    /// The running bonuses with their forfeit forms, and the code typed into the deposit form.
    var bonuses: [BonusPanel] = []
    var hasBonuses = false
    var bonusCode = ""
    /// The cashier offers each running bonus's forfeit form.
    let bonusForfeit = true

    static let presets = ["10", "25", "50", "100"]

    init(
        language: String, localization: Localization, gateways: [any PaymentGateway], catalog: [String: Currency], deposits: [Deposit],
        focus: Deposit?, typed: Typed = Typed(), error: String? = nil, withdrawals: [Withdrawal] = [], withdrawal: Withdrawal? = nil,
        withdrawalTyped: Typed = Typed(), withdrawalError: String? = nil, debts: [String: Int64] = [:], verification: String = ""
    ) {
        self.verification = verification
        func text(_ key: String) -> String { localization.string(key, in: language) }
        let formatter = MoneyFormatter(language: language)
        let methods = Self.methods(
            gateways.filter(\.capabilities.deposits), chosen: typed.chosen, catalog: catalog, formatter: formatter, text: text)
        self.methods = methods
        self.hasMethods = !methods.isEmpty
        self.selectedLimits = (methods.first(where: \.selected) ?? methods.first)?.limits ?? ""
        self.presets = Self.presets
        self.amount = typed.amount
        self.error = error
        let payoutMethods = Self.methods(
            gateways.filter(\.capabilities.payouts), chosen: withdrawalTyped.chosen, catalog: catalog, formatter: formatter, text: text,
            payouts: true)
        self.payoutMethods = payoutMethods
        self.hasPayoutMethods = !payoutMethods.isEmpty
        self.payoutLimits = (payoutMethods.first(where: \.selected) ?? payoutMethods.first)?.limits ?? ""
        self.withdrawalAmount = withdrawalTyped.amount
        self.destination = withdrawalTyped.destination
        self.withdrawalError = withdrawalError
        self.withdrawals = withdrawals.map { WithdrawalView($0, catalog: catalog, formatter: formatter, text: text) }
        self.hasWithdrawals = !withdrawals.isEmpty
        self.withdrawal = withdrawal.map { WithdrawalView($0, catalog: catalog, formatter: formatter, text: text) }
        self.debts = debts.sorted { $0.key < $1.key }.compactMap { code, units in
            catalog[code].map {
                text("cashier.debt").replacingOccurrences(of: "{amount}", with: formatter.format(units: units, currency: $0))
            }
        }
        self.hasDebts = !self.debts.isEmpty
        self.deposits = deposits.map { DepositView($0, catalog: catalog, formatter: formatter, text: text, showReason: false) }
        self.hasDeposits = !deposits.isEmpty
        self.focus = focus.map { deposit in
            let key = "cashier.focus.\(deposit.state.rawValue)"
            return Focus(
                id: deposit.id, status: deposit.state.rawValue,
                title: text("\(key).title").replacingOccurrences(
                    of: "{amount}", with: DepositView.amount(deposit, catalog: catalog, formatter: formatter)),
                text: text("\(key).text"), alert: Self.alert(deposit.state),
                pending: deposit.state == .pending || deposit.state == .created)
        }
    }

    /// Each gateway's currencies that take deposits (or, with `payouts`, pay out) as form
    /// options, with their limits (and the payout fee).
    static func methods(
        _ gateways: [any PaymentGateway], chosen: String, catalog: [String: Currency], formatter: MoneyFormatter, text: (String) -> String,
        payouts: Bool = false
    ) -> [Method] {
        var methods: [Method] = []
        for gateway in gateways {
            for offered in gateway.capabilities.currencies where payouts ? offered.payouts : offered.deposits {
                guard let currency = catalog[offered.code], currency.scale >= offered.exponent else { continue }
                let shown = Currency(code: offered.code, scale: offered.exponent, kind: currency.kind)
                let value = "\(gateway.code):\(offered.code)"
                var limits =
                    "\(formatter.format(units: offered.minimumUnits, currency: shown)) – "
                    + formatter.format(units: offered.maximumUnits, currency: shown)
                if payouts {
                    limits += ", \(text("cashier.withdraw.fee")) \(formatter.format(units: offered.payoutFeeUnits, currency: shown))"
                }
                methods.append(
                    Method(
                        value: value, label: "\(text("cashier.gateways.\(gateway.code)")) · \(offered.code)", limits: limits,
                        selected: value == chosen))
            }
        }
        return methods
    }

    static func alert(_ state: Deposit.State) -> String {
        switch state {
        case .completed: "success"
        case .pending, .created: "info"
        case .failed, .expired: "danger"
        }
    }
}
