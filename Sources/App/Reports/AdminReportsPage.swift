import Foundation
import Reporting

/// The reports page's view model: the form (what was asked, each name in the page's language),
/// the table, and a bar chart of the first measure along the first dimension, drawn as SVG by
/// the server (no script, no library).
struct AdminReportsPage: PageModel {
    struct Choice {
        let value: String
        let label: String
        let chosen: Bool
    }

    struct Bar {
        let label: String
        let value: String
        /// The bar's start and width in percent of the chart; negative values grow left of zero.
        let x: String
        let width: String
        let y: Int
        let negative: Bool
    }

    let measures: [Choice]
    let dimensions: [Choice]
    let grains: [Choice]
    let currencies: [Choice]
    let presets: [Choice]
    let query: AdminReportsQuery
    let columns: [String]
    let rows: [[String]]
    let hasRows: Bool
    /// The report has as many rows as a report may: there may be more.
    let truncated: Bool
    let asked: Bool
    let chartTitle: String?
    let bars: [Bar]
    let chartHeight: Int
    let exportHref: String?
    let error: String?
    let notice: String?
    let saved: AdminSavedReportsPanel
    /// The saved report on screen, if it is one.
    let savedName: String?

    init(
        query: AdminReportsQuery, table: ReportRunner.Table?, currencies: [String], pivot: String, error: String?, notice: String? = nil,
        saved: AdminSavedReportsPanel, opened: SavedReport? = nil, text: (String) -> String
    ) {
        func choices(_ values: [String], chosen: [String], prefix: String) -> [Choice] {
            values.map { Choice(value: $0, label: text("\(prefix).\($0)"), chosen: chosen.contains($0)) }
        }
        measures = choices(ReportModelNames.measures, chosen: query.measures, prefix: "admin.reports.measures")
        dimensions = choices(ReportModelNames.dimensions, chosen: query.dimensions, prefix: "admin.reports.dimensions")
        grains = choices(AdminReportsQuery.grains, chosen: [query.grain], prefix: "admin.reports.grains")
        let inPivot = Choice(
            value: AdminReportsQuery.inPivot, label: text("admin.reports.form.inPivot").replacingOccurrences(of: "{pivot}", with: pivot),
            chosen: query.currency == AdminReportsQuery.inPivot)
        self.currencies = [inPivot] + currencies.map { Choice(value: $0, label: $0, chosen: $0 == query.currency) }
        presets = AdminReportsQuery.presets.keys.sorted().map {
            Choice(value: $0, label: text("admin.reports.presets.\($0)"), chosen: false)
        }
        self.query = query
        asked = query.asked
        columns = (table?.columns ?? []).map { name in
            ReportModelNames.measures.contains(name) ? text("admin.reports.measures.\(name)") : text("admin.reports.dimensions.\(name)")
        }
        rows = table?.rows ?? []
        hasRows = !rows.isEmpty
        truncated = rows.count >= AdminReportsQuery.rowLimit
        let chart = Self.chart(table)
        chartTitle = chart.map { chart in
            let measure = text("admin.reports.measures.\(chart.measure)")
            let dimension = text("admin.reports.dimensions.\(chart.dimension)")
            return "\(measure) · \(dimension)"
        }
        bars = chart?.bars ?? []
        chartHeight = max(bars.count, 1) * 28
        // A saved report exports by its id: its spec may hold filters the form does not show. The
        // page appends `format=…`.
        let exportBase = opened.map { "/api/v1/reports/\($0.id)/export?" } ?? "/admin/reports/export?\(query.queryString)&"
        exportHref = table == nil ? nil : exportBase
        self.error = error
        self.notice = notice
        self.saved = saved
        savedName = opened?.name
    }

    /// The first measure along the first dimension, for up to 40 rows.
    static func chart(_ table: ReportRunner.Table?) -> (measure: String, dimension: String, bars: [Bar])? {
        guard let table, let dimension = table.columns.first,
            let measureIndex = table.columns.firstIndex(where: ReportModelNames.measures.contains),
            measureIndex > 0, !table.rows.isEmpty, table.rows.count <= 40
        else { return nil }
        let values = table.rows.map { Double($0[measureIndex]) ?? 0 }
        let low = min(values.min() ?? 0, 0)
        let high = max(values.max() ?? 0, 0)
        let span = high - low == 0 ? 1 : high - low
        let zero = (0 - low) / span * 100
        let bars = zip(table.rows, values).enumerated().map { index, pair in
            let (row, value) = pair
            let width = abs(value) / span * 100
            return Bar(
                label: row[0], value: row[measureIndex], x: String(format: "%.2f", value < 0 ? zero - width : zero),
                width: String(format: "%.2f", width), y: index * 28, negative: value < 0)
        }
        return (table.columns[measureIndex], dimension, bars)
    }
}

/// The names the page offers, in the order it shows them (the builder's model is the authority).
enum ReportModelNames {
    static let measures = [
        "turnover", "wins", "ggr", "ngr", "rtp", "hold", "deposits", "withdrawals", "net_deposits", "active_players", "arpu", "bonus_cost",
        "rounds", "ftd_count", "ftd_amount", "new_players",
    ]
    static let dimensions = ["time", "provider", "game", "game_name", "category", "currency", "gateway", "country", "kyc_level", "segment"]
}
