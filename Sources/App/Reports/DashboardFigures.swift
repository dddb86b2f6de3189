import Foundation
import Logging
import Payments
import Reporting

/// The console dashboard's figures (docs/reports.md): for a role with `reports.view`, today's GGR,
/// turnover, deposits and active players since midnight UTC, in the pivot currency, from the same
/// report builder as `/admin/reports`; and what waits: withdrawals for staff or the gateway (for
/// `withdrawals.approve`), the outbox's lag and the events the ClickHouse loader has yet to load
/// (for `system.view`). A part that does not answer says so; the dashboard itself never waits on
/// any for long or fails for it.
struct DashboardFigures: Sendable {
    struct Tile {
        let label: String
        let value: String
        let testID: String
    }

    struct Today {
        let currency: String
        let tiles: [Tile]
        let unavailable: Bool
        let reportHref: String
    }

    static let measures = ["ggr", "turnover", "deposits", "active_players"]
    /// The queue shown as "100+" beyond this.
    static let queueShown = 100
    /// The longest the dashboard waits for the withdrawal queue (the report waits as long).
    static let patience = Duration.seconds(3)

    let reports: Reports
    let pivot: String
    let health: SystemHealth
    let withdrawals: Withdrawals

    func today(text: (String) -> String, logger: Logger) async -> Today {
        let day = ReportSpec.Day(Date())
        let href = "/admin/reports?preset=daily&currency=\(pivot)&from=\(day.text)&to=\(day.text)"
        let spec = ReportSpec(
            measures: Self.measures, filters: [.init(dimension: "currency", values: [pivot])], from: day, to: day, limit: 1)
        do {
            let table = try await reports.run(spec, waiting: .seconds(3))
            let values = table.rows.first ?? Self.measures.map { _ in "0" }
            let tiles = zip(Self.measures, values).map {
                Tile(label: text("admin.reports.measures.\($0)"), value: $1, testID: "dashboard-tile")
            }
            return Today(currency: pivot, tiles: tiles, unavailable: false, reportHref: href)
        } catch {
            logger.warning("the dashboard's figures did not load", metadata: ["reason": "\(error)"])
            return Today(currency: pivot, tiles: [], unavailable: true, reportHref: href)
        }
    }

    /// What waits, each part for the role that may see it: the withdrawal queue for one that
    /// approves withdrawals, the events' way to analytics for one that sees the system's health.
    func waiting(queue: Bool, pipeline: Bool, text: @escaping @Sendable (String) -> String, logger: Logger) async -> [Tile] {
        let unavailable = text("admin.health.unavailable")
        var tiles: [Tile] = []
        if queue {
            let withdrawals = self.withdrawals
            let patience = Self.patience
            let count = try? await beforeDeadline(
                { try await withdrawals.queue(limit: Self.queueShown + 1).count }, deadline: { try await Task.sleep(for: patience) })
            if count == nil { logger.warning("the dashboard's withdrawal queue did not load in time") }
            let value = count.map { $0 > Self.queueShown ? "\(Self.queueShown)+" : "\($0)" } ?? unavailable
            tiles.append(Tile(label: text("admin.dashboard.pipeline.withdrawals"), value: value, testID: "dashboard-withdrawals-waiting"))
        }
        if pipeline {
            let (outbox, loader) = await health.pipeline()
            let lag: String =
                switch outbox {
                case .value(let backlog):
                    text("admin.dashboard.pipeline.seconds").replacingOccurrences(
                        of: "{seconds}", with: "\(Int(backlog.oldest.map { -$0.timeIntervalSinceNow } ?? 0))")
                case .unavailable: unavailable
                }
            let loading: String =
                switch loader {
                case .value(let info): "\(info.pending + UInt64(info.ackPending))"
                case .unavailable: unavailable
                }
            tiles.append(Tile(label: text("admin.dashboard.pipeline.outboxLag"), value: lag, testID: "dashboard-outbox-lag"))
            tiles.append(Tile(label: text("admin.dashboard.pipeline.loaderWaiting"), value: loading, testID: "dashboard-loader-waiting"))
        }
        return tiles
    }
}
