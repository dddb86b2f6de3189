import Bonuses
import Core
import Foundation
import Games
import Ledger
import Payments

/// The money sections of a player's page (`money.view`): balances per currency, the ledger
/// history with its filters and paging, game rounds, deposits, withdrawals, and running bonuses
/// with their wagering progress. Amounts are formatted exactly (`MoneyFormatter`).
struct AdminPlayerMoney {
    struct Balance {
        let currency: String
        let real: String
        let bonus: String
        let locked: String
    }

    struct Entry {
        let id: String
        let kind: String
        let currency: String
        let real: String
        let bonus: String
        let debit: Bool
        let after: String
        let atISO: String
        let atText: String
    }

    struct Payment {
        let id: String
        let gateway: String
        let amount: String
        let stateLabel: String
        let atText: String
    }

    struct Bonus {
        let campaign: String
        let amount: String
        let wagered: String
        let required: String
        let percent: Int
        let expiresText: String
    }

    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    struct Round {
        let game: String
        let round: String
        let stake: String
        let win: String
        let open: Bool
        let openedText: String
    }

    let balances: [Balance]
    let hasBalances: Bool
    let entries: [Entry]
    let hasEntries: Bool
    let kinds: [Option]
    let currencies: [Option]
    let from: String
    let to: String
    let nextHref: String?
    let rounds: [Round]
    let hasRounds: Bool
    let deposits: [Payment]
    let hasDeposits: Bool
    let withdrawals: [Payment]
    let hasWithdrawals: Bool
    let bonuses: [Bonus]
    let hasBonuses: Bool

    /// The history's filters as typed in the page's query.
    struct LedgerFilterForm {
        var kind = ""
        var currency = ""
        var from = ""
        var to = ""
        var filter = HistoryFilter(limit: 25)

        init(kind: String, currency: String, from: String, to: String, before: Int64?) {
            self.kind = Movement.kinds.contains(kind) ? kind : ""
            self.currency = currency.uppercased()
            self.from = from
            self.to = to
            filter.kinds = self.kind.isEmpty ? [] : [self.kind]
            filter.currency = self.currency.isEmpty ? nil : self.currency
            // The wallet history's own reading of the dates; one the date fields cannot have sent
            // filters nothing, and the form shows it as typed.
            filter.from = try? HistoryQuery.date(from)
            filter.until = try? HistoryQuery.end(to)
            filter.before = before
        }

        func next(_ player: String, _ cursor: Int64) -> String {
            let pairs =
                [("kind", kind), ("currency", currency), ("from", from), ("to", to)].filter { !$0.1.isEmpty }
                + [("before", String(cursor))]
            return "/admin/players/\(player)?" + pairs.map { "\($0.0)=\(PageRenderer.queryEncode($0.1))" }.joined(separator: "&")
                + "#history"
        }
    }

    init(
        player: String, balances: [String: Balances], history: HistoryPage, query: LedgerFilterForm, rounds: [GameRound],
        deposits: [Deposit],
        withdrawals: [Withdrawal], bonuses: [Grant], catalog: [String: Currency], language: String, text: (String) -> String
    ) {
        let formatter = MoneyFormatter(language: language)
        func money(_ units: Int64, _ code: String, signed: Bool = false) -> String {
            guard let currency = catalog[code] else { return "\(units) \(code)" }
            return formatter.format(units: units, currency: currency, signed: signed)
        }
        self.balances = balances.keys.sorted().map { code in
            let balance = balances[code] ?? Balances(real: 0, bonus: 0, locked: 0)
            return Balance(
                currency: code, real: money(balance.real, code), bonus: money(balance.bonus, code), locked: money(balance.locked, code))
        }
        hasBalances = !balances.isEmpty
        entries = history.entries.map { entry in
            Entry(
                id: String(entry.transactionID), kind: text("wallet.kinds.\(entry.kind)"), currency: entry.currency,
                real: money(entry.delta.real, entry.currency, signed: true), bonus: money(entry.delta.bonus, entry.currency, signed: true),
                debit: entry.delta.real + entry.delta.bonus < 0, after: money(entry.after.real, entry.currency),
                atISO: entry.createdAt.formatted(.iso8601), atText: DisplayTime.text(entry.createdAt))
        }
        hasEntries = !entries.isEmpty
        kinds =
            [Option(value: "", label: text("admin.players.money.anyKind"), selected: query.kind.isEmpty)]
            + Movement.kinds.map { Option(value: $0, label: text("wallet.kinds.\($0)"), selected: query.kind == $0) }
        currencies =
            [Option(value: "", label: text("admin.players.money.anyCurrency"), selected: query.currency.isEmpty)]
            + catalog.keys.sorted().map { Option(value: $0, label: $0, selected: query.currency == $0) }
        from = query.from
        to = query.to
        nextHref = history.nextCursor.map { query.next(player, $0) }
        self.rounds = rounds.map {
            Round(
                game: "\($0.provider):\($0.gameCode)", round: $0.round, stake: money($0.betUnits, $0.currency),
                win: money($0.winUnits, $0.currency), open: $0.closedAt == nil, openedText: DisplayTime.text($0.openedAt))
        }
        hasRounds = !rounds.isEmpty
        self.deposits = deposits.map {
            Payment(
                id: $0.id, gateway: $0.gateway, amount: money($0.units, $0.currency),
                stateLabel: text("cashier.status.\($0.state.rawValue)"),
                atText: DisplayTime.text($0.createdAt))
        }
        hasDeposits = !deposits.isEmpty
        self.withdrawals = withdrawals.map {
            Payment(
                id: $0.id, gateway: $0.gateway, amount: money($0.units, $0.currency),
                stateLabel: text("cashier.withdrawals.status.\($0.state.rawValue)"), atText: DisplayTime.text($0.createdAt))
        }
        hasWithdrawals = !withdrawals.isEmpty
        self.bonuses = bonuses.map {
            Bonus(
                campaign: $0.campaignName, amount: money($0.units, $0.currency), wagered: money($0.wageredUnits, $0.currency),
                required: money($0.requiredUnits, $0.currency),
                percent: Self.percent($0.wageredUnits, of: $0.requiredUnits),
                expiresText: DisplayTime.text($0.expiresAt))
        }
        hasBonuses = !bonuses.isEmpty
    }

    /// Wagering progress in whole percent, in integers (no overflow for any two Int64s).
    static func percent(_ part: Int64, of whole: Int64) -> Int {
        guard whole > 0, part < whole else { return 100 }
        let (scaled, overflow) = part.multipliedReportingOverflow(by: 100)
        return Int(overflow ? part / (whole / 100) : scaled / whole)
    }
}
