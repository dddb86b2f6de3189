import Core
import Foundation
import Payments

/// One deposit as a page shows it, to the player in the cashier or to staff in the console:
/// the amount formatted for the viewer, the state's label and badge from the locale files.
struct DepositView {
    let id: String
    let player: String
    let gateway: String
    /// The gateway's name in the viewer's language.
    let method: String
    let amount: String
    let status: String
    let statusLabel: String
    let badge: String
    let createdISO: String
    let createdText: String
    let reason: String?

    /// `showReason`: the gateway's own words on a failure, in English, for staff; players read
    /// their language's text for the state instead.
    init(_ deposit: Deposit, catalog: [String: Currency], formatter: MoneyFormatter, text: (String) -> String, showReason: Bool = true) {
        self.id = deposit.id
        self.player = String(deposit.player.rawValue)
        self.gateway = deposit.gateway
        self.method = text("cashier.gateways.\(deposit.gateway)")
        self.amount = Self.amount(deposit, catalog: catalog, formatter: formatter)
        self.status = deposit.state.rawValue
        self.statusLabel = text("cashier.status.\(deposit.state.rawValue)")
        self.badge = Self.badge(deposit.state)
        self.createdISO = deposit.createdAt.formatted(.iso8601)
        self.createdText = DisplayTime.text(deposit.createdAt)
        self.reason = showReason ? deposit.reason : nil
    }

    static func amount(_ deposit: Deposit, catalog: [String: Currency], formatter: MoneyFormatter) -> String {
        catalog[deposit.currency].map { formatter.format(units: deposit.units, currency: $0) } ?? deposit.currency
    }

    static func badge(_ state: Deposit.State) -> String {
        switch state {
        case .completed: "success"
        case .pending, .created: "warning"
        case .failed, .expired: "danger"
        }
    }
}
