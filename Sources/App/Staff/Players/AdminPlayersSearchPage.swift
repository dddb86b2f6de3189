import Compliance
import Core
import Foundation
import Hummingbird
import Identity

/// The players search's form as typed (`/admin/players?q=…&state=…`), read into Identity's
/// `PlayerSearch`. Filters on other contexts' data are asked of their owners and intersected:
/// KYC level, country and exclusion of Compliance (`risk.view`), a balance range of the Ledger
/// (`money.view`). A value that does not read is named in `invalid` and not applied.
struct AdminPlayersQuery {
    var text = ""
    var state = ""
    var level = ""
    var country = ""
    var currency = ""
    var balanceFrom = ""
    var balanceTo = ""
    var registeredFrom = ""
    var registeredTo = ""
    var seenFrom = ""
    var seenTo = ""
    var search = PlayerSearch()
    var invalid: [String] = []

    init(_ query: Parameters, role: StaffRole, sources: AdminPlayerSources) async throws {
        func field(_ name: Substring) -> String { query[name].map { String($0).trimmingCharacters(in: .whitespaces) } ?? "" }
        text = String(field("q").prefix(200))
        state = field("state")
        level = field("level")
        country = field("country").uppercased()
        currency = field("currency").uppercased()
        balanceFrom = field("balanceFrom")
        balanceTo = field("balanceTo")
        registeredFrom = field("registeredFrom")
        registeredTo = field("registeredTo")
        seenFrom = field("seenFrom")
        seenTo = field("seenTo")
        search.text = text.isEmpty ? nil : text
        // "excluded" is Compliance's word (a time-out or self-exclusion in force), not Identity's.
        if !state.isEmpty, state != Self.excluded { search.state = PlayerRecord.State(rawValue: state) ?? reject("state") }
        search.registeredFrom = day(registeredFrom, "registeredFrom")
        search.registeredUntil = day(registeredTo, "registeredTo").map { $0.addingTimeInterval(86_400) }
        search.seenFrom = day(seenFrom, "seenFrom")
        search.seenUntil = day(seenTo, "seenTo").map { $0.addingTimeInterval(86_400) }
        search.before = query["before"].flatMap { Int64($0) }.map(PlayerID.init)
        var selection: PlayerSelection?
        func narrow(_ more: PlayerSelection) { selection = selection.map { $0.intersected(with: more) } ?? more }
        if state == Self.excluded {
            if role.can(.riskView) { narrow(try await sources.protection.excludedPlayers()) } else { invalid.append("state") }
        }
        if role.can(.riskView) {
            if !level.isEmpty {
                if let value = Int(level), KYCLevel.range.contains(value) {
                    narrow(try await sources.kyc.levels.players(atLevel: value))
                } else {
                    invalid.append("level")
                }
            }
            if !country.isEmpty {
                if country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) {
                    narrow(try await sources.kyc.profiles.players(in: country))
                } else {
                    invalid.append("country")
                }
            }
        }
        if role.can(.moneyView), currency.isEmpty, !(balanceFrom.isEmpty && balanceTo.isEmpty) {
            invalid.append("currency")  // an amount means nothing without its currency
        }
        if role.can(.moneyView), !currency.isEmpty, !(balanceFrom.isEmpty && balanceTo.isEmpty) {
            if let known = try await sources.currencies.currency(currency),
                let from = units(balanceFrom, known, "balanceFrom"), let to = units(balanceTo, known, "balanceTo")
            {
                narrow(try await sources.ledger.players(holding: known.code, realFrom: from, realUntil: to))
            } else if !invalid.contains(where: { $0.hasPrefix("balance") }) {
                invalid.append("currency")
            }
        }
        search.selection = selection
    }

    static let excluded = "excluded"

    private mutating func reject<T>(_ name: String) -> T? {
        invalid.append(name)
        return nil
    }

    /// A `yyyy-mm-dd` day at 00:00 UTC.
    private mutating func day(_ text: String, _ name: String) -> Date? {
        guard !text.isEmpty else { return nil }
        guard let date = try? Date("\(text)T00:00:00Z", strategy: .iso8601) else { return reject(name) }
        return date
    }

    /// An exact decimal amount in ledger units; `.some(nil)` when empty, nil when it does not read.
    private mutating func units(_ text: String, _ currency: Currency, _ name: String) -> Int64?? {
        guard !text.isEmpty else { return .some(nil) }
        guard let units = try? Amount.units(fromDecimal: text, scale: currency.scale) else {
            invalid.append(name)
            return nil
        }
        return .some(units)
    }

    /// The link to the next page: the same filters, older players.
    func next(_ before: PlayerID) -> String {
        let pairs =
            [
                ("q", text), ("state", state), ("level", level), ("country", country), ("currency", currency), ("balanceFrom", balanceFrom),
                ("balanceTo", balanceTo), ("registeredFrom", registeredFrom), ("registeredTo", registeredTo), ("seenFrom", seenFrom),
                ("seenTo", seenTo),
            ].filter { !$0.1.isEmpty } + [("before", String(before.rawValue))]
        return "/admin/players?" + pairs.map { "\($0.0)=\(PageRenderer.queryEncode($0.1))" }.joined(separator: "&")
    }
}

/// The players search's view model (`admin_players`).
struct AdminPlayersPage: PageModel {
    struct Row {
        let id: String
        let name: String
        let username: String?
        let email: String
        let stateLabel: String
        let badge: String
        let registeredISO: String
        let registeredText: String
        let seenText: String
    }

    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    let query: AdminPlayersQuery
    let rows: [Row]
    let hasRows: Bool
    let states: [Option]
    let levels: [Option]
    let currencies: [Option]
    let showRisk: Bool
    let showMoney: Bool
    let nextHref: String?
    let invalid: String?
    let searchQuery: String

    init(
        query: AdminPlayersQuery, found: PlayerSearchPage, currencies: [String: Currency], role: StaffRole, language: String,
        text: (String) -> String
    ) {
        self.query = query
        rows = found.players.map { record in
            Row(
                id: String(record.id.rawValue), name: record.name, username: record.username.map { "@" + $0 }, email: record.email,
                stateLabel: text("admin.players.states.\(record.state.rawValue)"), badge: AdminPlayerPage.badge(record.state),
                registeredISO: record.registeredAt.formatted(.iso8601), registeredText: DisplayTime.text(record.registeredAt),
                seenText: record.lastSeenAt.map(DisplayTime.text) ?? text("admin.players.never"))
        }
        hasRows = !rows.isEmpty
        states =
            [Option(value: "", label: text("admin.players.filters.anyState"), selected: query.state.isEmpty)]
            + PlayerRecord.State.allCases.map {
                Option(value: $0.rawValue, label: text("admin.players.states.\($0.rawValue)"), selected: query.state == $0.rawValue)
            }
            + (role.can(.riskView)
                ? [
                    Option(
                        value: AdminPlayersQuery.excluded, label: text("admin.players.states.excluded"),
                        selected: query.state == AdminPlayersQuery.excluded)
                ] : [])
        levels =
            [Option(value: "", label: text("admin.players.filters.anyLevel"), selected: query.level.isEmpty)]
            + KYCLevel.range.map { Option(value: String($0), label: text("kyc.levels.l\($0)"), selected: query.level == String($0)) }
        self.currencies =
            [Option(value: "", label: "—", selected: query.currency.isEmpty)]
            + currencies.keys.sorted().map { Option(value: $0, label: $0, selected: query.currency == $0) }
        showRisk = role.can(.riskView)
        showMoney = role.can(.moneyView)
        nextHref = found.next.map(query.next)
        invalid =
            query.invalid.isEmpty
            ? nil
            : text("admin.players.invalid") + " " + query.invalid.map { text("admin.players.filters.\($0)") }.joined(separator: ", ")
        searchQuery = query.text
    }
}
