import App
import ArgumentParser
import Foundation
import Ledger

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks (see bench/README.md).",
        subcommands: [LedgerBench.self])
}

struct LedgerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "The ledger's bet/win mix through the in-process API, then the ledger audit.",
        discussion: "Run it on a scratch database; bench/ledger/run.sh runs it beside pgbench and prints the ratio.")

    @Option(help: "Concurrent workers.") var workers = 16
    @Option(help: "Seconds to run.") var duration = 30
    @Option(help: "Players (funded first).") var players = 2_000
    @Option(help: "uniform or zipf.") var distribution: String = "uniform"
    @Option(help: "Id of the first benchmark player.") var firstPlayer: Int64 = 5_000_000

    func run() async throws {
        guard let chosen = LedgerBenchmark.Distribution(rawValue: distribution) else {
            throw ValidationError("--distribution must be uniform or zipf")
        }
        let (configuration, logger) = try startUp(label: "croupier.bench")
        let dependencies = try AppDependencies(
            configuration: { var c = configuration; c.databasePoolSize = max(c.databasePoolSize, workers); return c }(), logger: logger)
        let (result, findings) = try await dependencies.withDatabase {
            let benchmark = LedgerBenchmark(
                ledger: dependencies.ledger, players: players, workers: workers, duration: .seconds(duration), distribution: chosen,
                firstPlayer: firstPlayer)
            try await benchmark.fundPlayers()
            let result = try await benchmark.run()
            return (result, try await LedgerAuditor(database: dependencies.database, logger: logger).run())
        }
        let violations = findings.reduce(0) { $0 + $1.violations }
        print(
            String(
                format: "ledger %@: %d operations in %.1f s = %.0f ops/s, p50 %.2f ms, p99 %.2f ms, %d workers, %d players",
                distribution, result.operations, result.seconds, result.opsPerSecond, Double(result.p50Microseconds) / 1000,
                Double(result.p99Microseconds) / 1000, workers, players))
        print("codes: " + result.codes.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " "))
        print("ledger audit: \(violations) violations")
        if violations > 0 { throw ExitCode.failure }
    }
}
