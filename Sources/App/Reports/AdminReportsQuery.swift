import Foundation
import Hummingbird
import Reporting

/// The reports page's question, read from its URL (a GET form, so a report is a link that can be
/// kept): a preset, or measures, dimensions, a currency and a provider filter, a range, a grain
/// and a time zone. Unknown names are passed on for the builder to refuse by name.
struct AdminReportsQuery: Sendable {
    /// What the page's presets ask (docs/reports.md).
    static let presets: [String: (measures: [String], dimensions: [String])] = [
        "daily": (["turnover", "ggr", "rtp", "deposits", "active_players"], ["time"]),
        "providers": (["turnover", "wins", "ggr", "hold", "active_players"], ["provider"]),
        "payments": (["deposits", "withdrawals", "net_deposits", "ftd_count", "ftd_amount"], ["time", "gateway"]),
        "value": (["ggr", "ngr", "arpu", "bonus_cost", "active_players", "new_players"], ["time"]),
    ]
    static let grains = ["hour", "day", "week", "month"]
    /// The currency choice that sums every currency valued in the pivot.
    static let inPivot = "pivot"
    /// The builder's most; the page says when a report reached it.
    static let rowLimit = 10_000

    var measures: [String]
    var dimensions: [String]
    var currency: String
    var provider: String
    var from: String
    var to: String
    var grain: String
    var timeZone: String
    /// Whether the page was asked to run (the first visit only shows the form).
    var asked: Bool

    init(_ parameters: Parameters, today: Date) {
        let all = { (name: String) in parameters.getAll(name) }
        let preset = parameters["preset"].map(String.init).flatMap { Self.presets[$0] }
        measures = preset?.measures ?? all("measure")
        dimensions = preset?.dimensions ?? all("dimension")
        currency = parameters["currency"].map(String.init) ?? "EUR"
        provider = parameters["provider"].map(String.init) ?? ""
        let lastDay = ReportSpec.Day(today).text
        to = parameters["to"].map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? lastDay
        from =
            parameters["from"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            ?? ReportSpec.Day(today.addingTimeInterval(-29 * 86_400)).text
        grain = parameters["grain"].map(String.init) ?? "day"
        timeZone = parameters["tz"].map(String.init).flatMap { $0.isEmpty ? nil : $0 } ?? "UTC"
        asked = preset != nil || !measures.isEmpty
        if asked, !dimensions.contains("currency"), currency.isEmpty { currency = "EUR" }
    }

    /// A saved report's question as it runs now: its currency and provider filters become the
    /// page's (the page shows no other filter).
    init(_ spec: ReportSpec) {
        measures = spec.measures
        dimensions = spec.dimensions
        currency = spec.pivot ? Self.inPivot : spec.filters.first { $0.dimension == "currency" }?.values.first ?? ""
        provider = spec.filters.first { $0.dimension == "provider" }?.values.first ?? ""
        from = spec.from.text
        to = spec.to.text
        grain = spec.grain
        timeZone = spec.timeZone
        asked = true
    }

    /// The builder's spec: a chosen currency filters (money sums one currency), or every currency
    /// is valued in the pivot; a chosen provider filters too.
    var spec: ReportSpec {
        let pivot = currency == Self.inPivot
        var filters: [ReportSpec.Filter] = []
        if !pivot, !currency.isEmpty, !dimensions.contains("currency") {
            filters.append(.init(dimension: "currency", values: [currency]))
        }
        if !provider.isEmpty { filters.append(.init(dimension: "provider", values: [provider])) }
        return ReportSpec(
            measures: measures, dimensions: dimensions, filters: filters, from: .init(from), to: .init(to), grain: grain,
            timeZone: timeZone,
            order: dimensions.first.map { [.init(by: $0)] } ?? [], limit: Self.rowLimit, pivot: pivot)
    }

    /// The same question as a query string, for the export link.
    var queryString: String {
        var items =
            measures.map { URLQueryItem(name: "measure", value: $0) } + dimensions.map { URLQueryItem(name: "dimension", value: $0) }
        items += [
            URLQueryItem(name: "currency", value: currency), URLQueryItem(name: "provider", value: provider),
            URLQueryItem(name: "from", value: from), URLQueryItem(name: "to", value: to), URLQueryItem(name: "grain", value: grain),
            URLQueryItem(name: "tz", value: timeZone),
        ]
        var components = URLComponents()
        components.queryItems = items
        return components.percentEncodedQuery ?? ""
    }
}
