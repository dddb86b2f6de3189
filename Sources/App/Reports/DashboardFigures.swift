import Foundation
import Logging
import Reporting

/// Today's tiles on the console's dashboard for a role with `reports.view` (docs/reports.md):
/// GGR, turnover, deposits and active players since midnight UTC, in the pivot currency, from the
/// same report builder as `/admin/reports`. When ClickHouse does not answer the tiles say so; the
/// dashboard itself never waits on it for long or fails for it.
struct DashboardFigures: Sendable {
    struct Tile {
        let label: String
        let value: String
    }

    struct Today {
        let currency: String
        let tiles: [Tile]
        let unavailable: Bool
        let reportHref: String
    }

    static let measures = ["ggr", "turnover", "deposits", "active_players"]

    let reports: Reports
    let pivot: String

    func today(text: (String) -> String, logger: Logger) async -> Today {
        let day = ReportSpec.Day(Date())
        let href = "/admin/reports?preset=daily&currency=\(pivot)&from=\(day.text)&to=\(day.text)"
        let spec = ReportSpec(
            measures: Self.measures, filters: [.init(dimension: "currency", values: [pivot])], from: day, to: day, limit: 1)
        do {
            let table = try await reports.run(spec, waiting: .seconds(3))
            let values = table.rows.first ?? Self.measures.map { _ in "0" }
            let tiles = zip(Self.measures, values).map { Tile(label: text("admin.reports.measures.\($0)"), value: $1) }
            return Today(currency: pivot, tiles: tiles, unavailable: false, reportHref: href)
        } catch {
            logger.warning("the dashboard's figures did not load", metadata: ["reason": "\(error)"])
            return Today(currency: pivot, tiles: [], unavailable: true, reportHref: href)
        }
    }
}
