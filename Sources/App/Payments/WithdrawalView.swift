import Core
import Foundation
import Payments

/// One withdrawal as a page shows it, to the player in the cashier or to staff in the console:
/// amounts formatted for the viewer, the state's label, badge and reason.
struct WithdrawalView {
    let id: String
    let player: String
    let gateway: String
    let method: String
    let amount: String
    let fee: String
    let destination: String
    let status: String
    let statusLabel: String
    let badge: String
    let reason: String?
    let createdISO: String
    let createdText: String
    let awaitingCode: Bool
    let cancellable: Bool
    /// Staff may approve or reject it.
    let decidable: Bool
    /// Staff may ask the gateway where its payout stands.
    let reconcilable: Bool
    /// "1 of 2 approvals", for four-eyes withdrawals.
    let approvals: String?
    /// The staff member viewing it gave the first approval: the second must come from someone else.
    let approvedByViewer: Bool

    /// `staff`: the staff member viewing it, in the console.
    init(_ withdrawal: Withdrawal, catalog: [String: Currency], formatter: MoneyFormatter, text: (String) -> String, staff: Int64? = nil) {
        func money(_ units: Int64) -> String {
            catalog[withdrawal.currency].map { formatter.format(units: units, currency: $0) } ?? withdrawal.currency
        }
        let state = withdrawal.state.rawValue
        self.id = withdrawal.id
        self.player = String(withdrawal.player.rawValue)
        self.gateway = withdrawal.gateway
        self.method = text("cashier.gateways.\(withdrawal.gateway)")
        self.amount = money(withdrawal.units)
        self.fee = money(withdrawal.feeUnits)
        self.destination = withdrawal.destination
        self.status = state
        self.statusLabel = text("cashier.withdrawals.status.\(state)")
        self.badge = Self.badge(withdrawal.state)
        // The platform's own reasons in the viewer's language (Compliance's AML reasons, `aml…`,
        // in the AML block of the locale files); staff's words as they wrote them.
        self.reason =
            withdrawal.reasonCode.map { $0.hasPrefix("aml") ? text("aml.reasons.\($0)") : text("cashier.withdrawals.reasons.\($0)") }
            ?? withdrawal.reason
        self.createdISO = withdrawal.createdAt.formatted(.iso8601)
        self.createdText = DisplayTime.text(withdrawal.createdAt)
        self.awaitingCode = withdrawal.state == .awaitingConfirmation
        self.cancellable = withdrawal.state.cancellable
        self.decidable = withdrawal.state == .review || withdrawal.state == .pendingApproval
        self.reconcilable = withdrawal.state == .processing || withdrawal.state == .unknown
        self.approvals =
            withdrawal.approvalsNeeded > 1
            ? text("admin.withdrawals.approvals").replacingOccurrences(of: "{given}", with: String(withdrawal.approvers.count))
                .replacingOccurrences(of: "{needed}", with: String(withdrawal.approvalsNeeded)) : nil
        self.approvedByViewer = staff.map { withdrawal.approvers.contains($0) } ?? false
    }

    static func badge(_ state: Withdrawal.State) -> String {
        switch state {
        case .paid: "success"
        case .failed, .rejected, .cancelled: "danger"
        case .unknown, .review: "warning"
        case .awaitingConfirmation, .pendingApproval, .approved, .processing: "info"
        }
    }
}
