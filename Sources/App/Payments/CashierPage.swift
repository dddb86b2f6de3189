import Core
import Foundation
import Payments

/// The cashier page's view model (`/cashier`): the payment methods with their limits, the
/// deposit form, the deposit the player just came back from, and their latest deposits. Every
/// label from the locale files, every amount formatted for the viewer's language.
struct CashierPage: PageModel {
    struct Method {
        /// `<gateway>:<currency>`, what the form posts.
        let value: String
        let label: String
        let limits: String
        let selected: Bool
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

    static let presets = ["10", "25", "50", "100"]

    init(
        language: String, localization: Localization, gateways: [any PaymentGateway], catalog: [String: Currency], deposits: [Deposit],
        focus: Deposit?, chosen: String? = nil, amount: String = "", error: String? = nil
    ) {
        func text(_ key: String) -> String { localization.string(key, in: language) }
        let formatter = MoneyFormatter(language: language)
        var methods: [Method] = []
        for gateway in gateways where gateway.capabilities.deposits {
            for offered in gateway.capabilities.currencies {
                guard let currency = catalog[offered.code], currency.scale >= offered.exponent else { continue }
                let shown = Currency(code: offered.code, scale: offered.exponent, kind: currency.kind)
                let value = "\(gateway.code):\(offered.code)"
                methods.append(
                    Method(
                        value: value, label: "\(text("cashier.gateways.\(gateway.code)")) · \(offered.code)",
                        limits: "\(formatter.format(units: offered.minimumUnits, currency: shown)) – "
                            + formatter.format(units: offered.maximumUnits, currency: shown),
                        selected: value == (chosen ?? "")))
            }
        }
        self.methods = methods
        self.hasMethods = !methods.isEmpty
        self.selectedLimits = (methods.first(where: \.selected) ?? methods.first)?.limits ?? ""
        self.presets = Self.presets
        self.amount = amount
        self.error = error
        self.deposits = deposits.map { DepositView($0, catalog: catalog, formatter: formatter, text: text) }
        self.hasDeposits = !deposits.isEmpty
        self.focus = focus.map { deposit in
            let key = "cashier.focus.\(deposit.state.rawValue)"
            return Focus(
                id: deposit.id, status: deposit.state.rawValue,
                title: text("\(key).title").replacingOccurrences(
                    of: "{amount}", with: DepositView.amount(deposit, catalog: catalog, formatter: formatter)),
                text: deposit.reason ?? text("\(key).text"), alert: Self.alert(deposit.state),
                pending: deposit.state == .pending || deposit.state == .created)
        }
    }

    static func alert(_ state: Deposit.State) -> String {
        switch state {
        case .completed: "success"
        case .pending, .created: "info"
        case .failed, .expired: "danger"
        }
    }
}
