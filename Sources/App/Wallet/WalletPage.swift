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

    var balanceCards: [[String: Any]] {
        balances.sorted { $0.key < $1.key }.compactMap { code, balances -> [String: Any]? in
            guard let currency = catalog[code] else { return nil }
            let (total, overflow) = balances.real.addingReportingOverflow(balances.bonus)
            let (withLocked, overflowLocked) = total.addingReportingOverflow(balances.locked)
            return [
                "currency": code,
                "real": formatter.format(units: balances.real, currency: currency),
                "bonus": formatter.format(units: balances.bonus, currency: currency),
                "locked": formatter.format(units: balances.locked, currency: currency),
                "withdrawable": formatter.format(units: balances.real, currency: currency),
                "total": overflow || overflowLocked ? "—" : formatter.format(units: withLocked, currency: currency),
            ]
        }
    }

    var entries: [[String: Any]] {
        page.entries.compactMap { entry -> [String: Any]? in
            guard let currency = catalog[entry.currency] else { return nil }
            let deltas: [(String, Int64)] = [("real", entry.delta.real), ("bonus", entry.delta.bonus), ("locked", entry.delta.locked)]
            return [
                "id": String(entry.transactionID),
                "kind": entry.kind,
                "kindLabel": localization.string("wallet.kinds.\(entry.kind)", in: language),
                "currency": entry.currency,
                "createdAtISO": entry.createdAt.formatted(.iso8601),
                "createdAtText": DisplayTime.text(entry.createdAt),
                "deltas": deltas.filter { $0.1 != 0 }.map { kind, units -> [String: Any] in
                    [
                        "label": localization.string("wallet.balanceKinds.\(kind)", in: language),
                        "amount": formatter.format(units: units, currency: currency, signed: true),
                        "credit": units > 0, "debit": units < 0,
                    ]
                },
                "after": [
                    "real": formatter.format(units: entry.after.real, currency: currency),
                    "bonus": formatter.format(units: entry.after.bonus, currency: currency),
                    "locked": formatter.format(units: entry.after.locked, currency: currency),
                ],
                "reference": entry.idempotencyKey.description,
            ]
        }
    }

    var fields: [String: Any] {
        let cards = balanceCards
        var fields: [String: Any] = [
            "activeNav": ["wallet": true],
            "balances": cards,
            "hasBalances": !cards.isEmpty,
            "entries": entries,
            "hasEntries": !page.entries.isEmpty,
            "filters": [
                "currencies": catalog.keys.sorted().map { ["code": $0, "selected": $0 == filter.currency] },
                "kinds": Movement.kinds.map {
                    ["value": $0, "label": localization.string("wallet.kinds.\($0)", in: language), "selected": filter.kinds == [$0]]
                },
                "from": query["from"] ?? "",
                "until": query["until"] ?? "",
            ],
        ]
        if let chip = cards.first(where: { $0["currency"] as? String == "EUR" }) ?? cards.first {
            fields["player"] = ["balance": ["real": chip["real"] ?? "", "bonus": chip["bonus"] ?? ""]]
        } else {
            fields["player"] = ["balance": ["real": formatter.format(units: 0, currency: Currency(code: "EUR", scale: 5, kind: .fiat))]]
        }
        if let next = page.nextCursor { fields["nextPageHref"] = href(before: next) }
        if filter.before != nil { fields["firstPageHref"] = href(before: nil) }
        return fields
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
