import Foundation
import Logging
import Payments
import Reporting

/// The console dashboard's figures for a role with `reports.view` (docs/reports.md): today's GGR,
/// turnover, deposits and active players since midnight UTC, in the pivot currency, from the same
/// report builder as `/admin/reports`; and the work waiting: withdrawals for staff or the gateway,
/// the outbox's lag and the events the ClickHouse loader has yet to load. A part that does not
/// answer says so; the dashboard itself never waits on any for long or fails for it.
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
        let pipeline: [Tile]
    }

    static let measures = ["ggr", "turnover", "deposits", "active_players"]
    /// The queue shown as "100+" beyond this.
    static let queueShown = 100

    let reports: Reports
    let pivot: String
    let health: SystemHealth
    let withdrawals: Withdrawals

    func today(text: @escaping @Sendable (String) -> String, logger: Logger) async -> Today {
        async let pipeline = pipeline(text: text, logger: logger)
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
            return Today(currency: pivot, tiles: tiles, unavailable: false, reportHref: href, pipeline: await pipeline)
        } catch {
            logger.warning("the dashboard's figures did not load", metadata: ["reason": "\(error)"])
            return Today(currency: pivot, tiles: [], unavailable: true, reportHref: href, pipeline: await pipeline)
        }
    }

    private func pipeline(text: @escaping @Sendable (String) -> String, logger: Logger) async -> [Tile] {
        async let parts = health.pipeline()
        let unavailable = text("admin.health.unavailable")
        let waiting: String
        do {
            let count = try await withdrawals.queue(limit: Self.queueShown + 1).count
            waiting = count > Self.queueShown ? "\(Self.queueShown)+" : "\(count)"
        } catch {
            logger.warning("the dashboard's withdrawal queue did not load", metadata: ["reason": "\(error)"])
            waiting = unavailable
        }
        let (outbox, loader) = await parts
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
        return [
            Tile(label: text("admin.dashboard.pipeline.withdrawals"), value: waiting, testID: "dashboard-withdrawals-waiting"),
            Tile(label: text("admin.dashboard.pipeline.outboxLag"), value: lag, testID: "dashboard-outbox-lag"),
            Tile(label: text("admin.dashboard.pipeline.loaderWaiting"), value: loading, testID: "dashboard-loader-waiting"),
        ]
    }
}
