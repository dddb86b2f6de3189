import App
import ArgumentParser
import CommandSupport
import Foundation
import Reporting

struct ReportsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reports",
        abstract: "The report builder on generated money facts, and the event loader beside ClickHouse's own insert rate.",
        discussion: """
            Uses scratch ClickHouse databases (bench_reports_*) and a scratch JetStream stream \
            (BENCHREPORTS) of the configured servers, and drops them at the end. bench/reports/run.sh \
            runs it and prints the ratios.
            """)

    @Option(help: "Money movements generated in ClickHouse for the query phase.") var movements = 10_000_000
    @Option(help: "Days the movements are spread over (the report asks for all of them).") var days = 90
    @Option(help: "Timed runs of the report (after one warm-up run); the median is reported.") var runs = 5
    @Option(help: "Ledger events published to JetStream for the loader phase.") var events = 200_000
    @Option(help: "The loader's batch size, as in serve.") var batch = 500

    func run() async throws {
        let (configuration, logger) = try startUp(label: "croupier.bench")
        let workload = ReportsWorkload(
            clickHouseURL: configuration.clickHouseURL, natsURL: configuration.natsURL, logger: logger)

        let query = try await workload.queryPhase(movements: movements, days: days, runs: runs)
        print(
            String(
                format:
                    "generated %d money movements over %d days in ClickHouse in %.1f s; %@ parts after background merges and the compaction of closed months (%@)",
                movements, days, query.generationSeconds, query.parts, query.compacted.joined(separator: " ")))
        print(
            String(
                format:
                    "report GGR by day × provider over %d days (%d rows): median %.3f s of %d runs (%@); the same figures in plain SQL without FINAL: median %.3f s",
                days, query.rows, query.reportSeconds, runs, query.reportRuns.map { String(format: "%.3f", $0) }.joined(separator: ", "),
                query.plainSeconds))
        print(String(format: "ratio reports-plain-sql-over-report: %.2f", query.plainSeconds / query.reportSeconds))

        let loading = try await workload.loaderPhase(events: events, batch: batch)
        print(
            String(
                format:
                    "loader: %d events from JetStream to ClickHouse in %.1f s = %.0f events/s (batches of %d); ClickHouse's own INSERT of the same rows: %.0f events/s",
                events, loading.loaderSeconds, Double(events) / loading.loaderSeconds, batch, Double(events) / loading.insertSeconds))
        print(String(format: "ratio reports-loader: %.2f", loading.insertSeconds / loading.loaderSeconds))
        guard query.reportSeconds <= 1 else {
            print("the report took more than 1 s")
            throw ExitCode.failure
        }
    }
}
