import NIOCore
import Reporting

/// The report builder as the App runs it (docs/reports.md): on ClickHouse's fail-fast client, since
/// a person waits for the answer, with the ledger's currency scales for the decimals.
struct Reports: Sendable {
    let clickHouse: ClickHouseClient
    let currencies: CurrencyCatalog
    let pivot: String

    func run(_ spec: ReportSpec, waiting: TimeAmount = .seconds(15)) async throws -> ReportRunner.Table {
        let scales = try await currencies.all().mapValues(\.scale)
        return try await ReportRunner(clickHouse: clickHouse.failingFast(timeout: waiting), scales: scales, pivot: pivot).run(spec)
    }
}
