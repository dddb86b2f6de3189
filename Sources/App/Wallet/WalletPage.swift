import Core
import Foundation
import Hummingbird
import Ledger

/// The wallet page's view model: every amount formatted for the viewer's language, every
/// label from the locale files. Tested without HTML.
struct WalletPage {
    let language: String
    let localization: Localization
    let catalog: [String: Currency]
    let balances: [String: Balances]
    let page: HistoryPage
    let filter: HistoryFilter
    /// The page's filter parameters as given, to keep them in paging links.
    let query: [String: String]

    var formatter: MoneyFormatter { MoneyFormatter(language: language) }

    /// The page's content; its balance cards and history rows, formatted.
    struct View: PageModel {
        struct Card {
            let currency: String
            let real: String
            let bonus: String
            let locked: String
            let withdrawable: String
            let total: String
        }

        struct Delta {
            let label: String
            let amount: String
            let credit: Bool
            let debit: Bool
        }

        struct After {
            let real: String
            let bonus: String
            let locked: String
        }

        struct Entry {
            let id: String
            let kind: String
            let kindLabel: String
            let currency: String
            let createdAtISO: String
            let createdAtText: String
            let deltas: [Delta]
            let after: After
            let reference: String
        }

        struct Option {
            let value: String
            let label: String
            let selected: Bool
        }

        struct CurrencyOption {
            let code: String
            let selected: Bool
        }

        struct Filters {
            let currencies: [CurrencyOption]
            let kinds: [Option]
            let from: String
            let until: String
        }

        let balances: [Card]
        let hasBalances: Bool
        let entries: [Entry]
        let hasEntries: Bool
        let filters: Filters
        let nextPageHref: String?
        let firstPageHref: String?
        /// The running bonuses and their progress (docs/bonuses.md); forfeiting is in the cashier.
        var bonuses: [BonusPanel] = []
        var hasBonuses = false
    }

    var balanceCards: [View.Card] {
        balances.sorted { $0.key < $1.key }.compactMap { code, balances -> View.Card? in
            guard let currency = catalog[code] else { return nil }
            let (total, overflow) = balances.real.addingReportingOverflow(balances.bonus)
            let (withLocked, overflowLocked) = total.addingReportingOverflow(balances.locked)
            return View.Card(
                currency: code, real: formatter.format(units: balances.real, currency: currency),
                bonus: formatter.format(units: balances.bonus, currency: currency),
                locked: formatter.format(units: balances.locked, currency: currency),
                withdrawable: formatter.format(units: balances.real, currency: currency),
                total: overflow || overflowLocked ? "—" : formatter.format(units: withLocked, currency: currency))
        }
    }

    var entries: [View.Entry] {
        page.entries.compactMap { entry -> View.Entry? in
            guard let currency = catalog[entry.currency] else { return nil }
            let deltas: [(String, Int64)] = [("real", entry.delta.real), ("bonus", entry.delta.bonus), ("locked", entry.delta.locked)]
            return View.Entry(
                id: String(entry.transactionID), kind: entry.kind,
                kindLabel: localization.string("wallet.kinds.\(entry.kind)", in: language), currency: entry.currency,
                createdAtISO: entry.createdAt.formatted(.iso8601), createdAtText: DisplayTime.text(entry.createdAt),
                deltas: deltas.filter { $0.1 != 0 }.map { kind, units in
                    View.Delta(
                        label: localization.string("wallet.balanceKinds.\(kind)", in: language),
                        amount: formatter.format(units: units, currency: currency, signed: true), credit: units > 0, debit: units < 0)
                },
                after: View.After(
                    real: formatter.format(units: entry.after.real, currency: currency),
                    bonus: formatter.format(units: entry.after.bonus, currency: currency),
                    locked: formatter.format(units: entry.after.locked, currency: currency)),
                reference: entry.idempotencyKey.description)
        }
    }

    var view: View {
        let cards = balanceCards
        return View(
            balances: cards, hasBalances: !cards.isEmpty, entries: entries, hasEntries: !page.entries.isEmpty,
            filters: .init(
                currencies: catalog.keys.sorted().map { .init(code: $0, selected: $0 == filter.currency) },
                kinds: Movement.kinds.map {
                    .init(value: $0, label: localization.string("wallet.kinds.\($0)", in: language), selected: filter.kinds == [$0])
                },
                from: query["from"] ?? "", until: query["until"] ?? ""),
            nextPageHref: page.nextCursor.map { href(before: $0) }, firstPageHref: filter.before != nil ? href(before: nil) : nil)
    }

    /// The header's chip shows the EUR balance (else the first card), with `wallet` current; its
    /// bonus only when there is one, as on every other page (`PlayerHeader`).
    var frame: PlayerFrame {
        let chip = balanceCards.first { $0.currency == "EUR" } ?? balanceCards.first
        let balance =
            chip.map {
                PlayerFrame.Balance(real: $0.real, bonus: (balances[$0.currency]?.bonus ?? 0) > 0 ? $0.bonus : nil, currency: $0.currency)
            }
            ?? PlayerFrame.Balance(
                real: formatter.format(units: 0, currency: Currency(code: "EUR", scale: 5, kind: .fiat)), bonus: nil, currency: "EUR")
        return PlayerFrame(player: .init(id: nil, balance: balance), activeNav: ["wallet": true])
    }

    private func href(before: Int64?) -> String {
        var items: [String] = []
        for name in ["currency", "kind", "from", "until"] {
            if let value = query[name], !value.isEmpty {
                items.append("\(name)=\(PageRenderer.queryEncode(value))")
            }
        }
        if let before { items.append("before=\(before)") }
        return "/wallet" + (items.isEmpty ? "" : "?" + items.joined(separator: "&"))
    }
}
