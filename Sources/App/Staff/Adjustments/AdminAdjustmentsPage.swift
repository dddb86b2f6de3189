import Core
import Foundation
import Identity
import Ledger

/// The adjustments page's view model: the open requests, each saying whether this staff member
/// may decide it (someone else's, and an owner's when it needs one) or withdraw it (their own),
/// the owner thresholds, and the request form with what was typed.
struct AdminAdjustmentsPage: PageModel {
    struct Typed {
        let player: String
        let currency: String
        let amount: String
        let reason: String
    }

    struct RequestRow {
        let id: Int64
        let player: Int64
        let amount: String
        let credit: Bool
        let reason: String
        let requestedBy: String
        let expiresISO: String
        let expires: String
        let ownerRequired: Bool
        /// Someone else's, and an owner's to approve when it needs one.
        let decidable: Bool
        /// Someone else's: anyone with the permission may reject it.
        let rejectable: Bool
        let mine: Bool
        /// Why this staff member cannot decide it, when they cannot.
        let waiting: String?
    }

    struct CurrencyOption {
        let code: String
        let selected: Bool
    }

    let requests: [RequestRow]
    let hasRequests: Bool
    let currencies: [CurrencyOption]
    let thresholds: String
    let typed: Typed
    /// A fresh idempotency key per form shown: sent twice, the form asks once.
    let key = UUID().uuidString
    let notice: String?
    let error: String?

    init(
        open: [AdjustmentRequests.Request], staff: StaffMember, catalog: [String: Currency], ownerFrom: [String: String], typed: Typed,
        language: String, localization: Localization, notice: String?, error: String?
    ) {
        func text(_ key: String) -> String { localization.string(key, in: language) }
        let formatter = MoneyFormatter(language: language)
        let me = "staff:\(staff.id)"
        requests = open.map { request in
            let mine = request.requestedBy == me
            let ownerMissing = request.requiresOwner && staff.role != .owner
            return RequestRow(
                id: request.id, player: request.player.rawValue,
                amount: catalog[request.currency].map { formatter.format(units: request.units, currency: $0, signed: true) }
                    ?? "\(request.units) \(request.currency)",
                credit: request.units > 0, reason: request.reason, requestedBy: request.requestedBy,
                expiresISO: request.expiresAt.formatted(.iso8601), expires: DisplayTime.text(request.expiresAt),
                ownerRequired: request.requiresOwner, decidable: !mine && !ownerMissing, rejectable: !mine, mine: mine,
                waiting: mine ? text("admin.adjustments.waiting.own") : ownerMissing ? text("admin.adjustments.waiting.owner") : nil)
        }
        hasRequests = !open.isEmpty
        let codes = catalog.keys.sorted()
        let chosen = typed.currency.isEmpty ? (codes.contains("EUR") ? "EUR" : codes.first ?? "") : typed.currency
        currencies = codes.map { CurrencyOption(code: $0, selected: $0 == chosen) }
        thresholds = codes.compactMap { code in
            guard let decimal = ownerFrom[code], let currency = catalog[code],
                let units = try? Amount.units(fromDecimal: decimal, scale: currency.scale)
            else { return nil }
            return formatter.format(units: units, currency: currency)
        }.joined(separator: " · ")
        self.typed = typed
        self.notice = notice.map(text)
        self.error = error.map(text)
    }
}
