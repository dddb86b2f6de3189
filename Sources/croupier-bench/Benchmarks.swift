import App
import ArgumentParser
import CommandSupport
import Foundation
import Games
import GamesTesting
import Ledger
import LedgerTesting

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
    @Flag(help: "Apply as providers' calls are (the hooked API), through group commit unless CROUPIER_LEDGER_BATCH_WINDOW_US=0.")
    var hooked = false

    func run() async throws {
        guard let chosen = LedgerBenchmark.Distribution(rawValue: distribution) else {
            throw ValidationError("--distribution must be uniform or zipf")
        }
        let (configuration, logger) = try startUp(label: "croupier.bench")
        let dependencies = try AppDependencies(
            configuration: {
                var c = configuration
                c.databasePoolSize = max(c.databasePoolSize, workers)
                return c
            }(), logger: logger)
        let (result, findings) = try await dependencies.withDatabase {
            let benchmark = LedgerBenchmark(
                ledger: dependencies.ledger, players: players, workers: workers, duration: .seconds(duration), distribution: chosen,
                firstPlayer: firstPlayer, hooked: hooked)
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
        print(
            "codes: "
                + result.codes.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " "))
        print("ledger audit: \(violations) violations")
        if violations > 0 { throw ExitCode.failure }
    }
}

struct Hub88Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub88",
        abstract: "Bet/win/rollback rounds over HTTP against a running server's Hub88 endpoints, then the ledger audit.",
        discussion: """
            Registers provider "bench" (with a fresh key pair) and funded players in the server's \
            database, signs every call before the clock starts, then sends them from --clients \
            concurrent clients. Run it on a scratch database; bench/hub88/run.sh runs it beside pgbench.
            """)

    @Option(help: "The running server's base URL.") var url = "http://127.0.0.1:8080"
    @Option(help: "Concurrent clients.") var clients = 16
    @Option(help: "Seconds to run at most.") var duration = 30
    @Option(help: "Players (funded first).") var players = 1_000
    @Option(help: "Rounds prepared per client (two calls each).") var rounds = 2_500

    func run() async throws {
        let (configuration, logger) = try startUp(label: "croupier.bench")
        let dependencies = try AppDependencies(configuration: configuration, logger: logger)
        let (result, findings) = try await dependencies.withDatabase {
            let benchmark = Hub88Benchmark(
                providers: dependencies.providers, sessions: dependencies.gameSessions, ledger: dependencies.ledger,
                database: dependencies.database,
                serverURL: url, players: players, clients: clients, roundsPerClient: rounds, duration: .seconds(duration))
            let work = try await benchmark.prepare()
            print("prepared and signed \(work.reduce(0) { $0 + $1.count }) calls")
            let result = try await benchmark.run(work)
            return (result, try await LedgerAuditor(database: dependencies.database, logger: logger).run())
        }
        let violations = findings.reduce(0) { $0 + $1.violations }
        print(
            String(
                format: "hub88 over HTTP: %d calls in %.1f s = %.0f ops/s, p50 %.2f ms, p99 %.2f ms, %d clients, %d players",
                result.calls, result.seconds, result.callsPerSecond, Double(result.p50Microseconds) / 1000,
                Double(result.p99Microseconds) / 1000,
                clients, players))
        print("statuses: " + result.statuses.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        print("ledger audit: \(violations) violations")
        if violations > 0 { throw ExitCode.failure }
    }
}
