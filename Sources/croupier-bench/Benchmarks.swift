import App
import ArgumentParser
import CommandSupport
import Events
import Foundation
import Games
import GamesTesting
import Ledger
import LedgerTesting
import Logging
import Persistence
import PostgresNIO

struct LedgerBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "The ledger's bet/win mix through the in-process API, then the ledger audit.",
        discussion: """
            Run it on a scratch database; bench/ledger/run.sh runs it beside pgbench and prints the ratio, \
            bench/capacity/run.sh runs it with --mix providers --relay at several worker counts.
            """)

    @Option(help: "Concurrent workers.") var workers = 16
    @Option(help: "Seconds to measure.") var duration = 30
    @Option(help: "Seconds of load before the measurement, not counted.") var warmup = 0
    @Option(help: "Players (funded first).") var players = 2_000
    @Option(help: "uniform or zipf.") var distribution: String = "uniform"
    @Option(
        help: """
            betwin: a bet, then half the time a win. providers: a bet, then a win (half), a rollback (one in ten) \
            or nothing, with ~5 % replays (checked against the first answer) and ~2 % refused bets.
            """)
    var mix: String = "betwin"
    @Option(help: "Id of the first benchmark player.") var firstPlayer: Int64 = 5_000_000
    @Flag(help: "Apply as providers' calls are (the hooked API), through group commit unless CROUPIER_LEDGER_BATCH_WINDOW_US=0.")
    var hooked = false
    @Flag(help: "Run the outbox relay (publishing to NATS) in this process during the run, as serve and worker do.")
    var relay = false

    func run() async throws {
        guard let chosen = LedgerBenchmark.Distribution(rawValue: distribution) else {
            throw ValidationError("--distribution must be uniform or zipf")
        }
        let chosenMix: LedgerBenchmark.Mix
        switch mix {
        case "betwin": chosenMix = .betWin
        case "providers": chosenMix = .providers
        default: throw ValidationError("--mix must be betwin or providers")
        }
        let (configuration, logger) = try startUp(label: "croupier.bench")
        let dependencies = try AppDependencies(
            configuration: {
                var c = configuration
                c.databasePoolSize = max(c.databasePoolSize, workers)
                return c
            }(), logger: logger)
        let (result, backlog, findings) = try await dependencies.withDatabase {
            let benchmark = LedgerBenchmark(
                ledger: dependencies.ledger, players: players, workers: workers, duration: .seconds(duration), distribution: chosen,
                firstPlayer: firstPlayer, hooked: hooked, mix: chosenMix, warmup: .seconds(warmup))
            try await benchmark.fundPlayers()
            try await analyzeAfterSetup(dependencies.database, logger: logger)
            let (result, backlog) = try await withThrowingTaskGroup(of: Void.self) { group in
                if relay {
                    group.addTask { try await dependencies.nats.run() }
                    group.addTask {
                        try await OutboxRelay(
                            database: dependencies.database, link: dependencies.nats, stream: dependencies.eventStream, logger: logger
                        )
                        .run()
                    }
                }
                defer { group.cancelAll() }
                let result = try await benchmark.run()
                var backlog: Backlog?
                if relay { backlog = try await Outbox.backlog(in: dependencies.database, logger: logger) }
                return (result, backlog)
            }
            return (result, backlog, try await LedgerAuditor(database: dependencies.database, logger: logger).run())
        }
        let violations = findings.reduce(0) { $0 + $1.violations }
        print(
            String(
                format: "ledger %@: %d operations in %.1f s = %.0f ops/s, p50 %.2f ms, p99 %.2f ms, %d workers, %d players",
                distribution, result.operations, result.seconds, result.opsPerSecond, Double(result.p50Microseconds) / 1000,
                Double(result.p99Microseconds) / 1000, workers, players))
        if chosenMix.replays > 0 || chosenMix.refusals > 0 {
            for kind in ["bet", "win", "rollback", "replay", "refusal"] {
                let summary = result.latencies.summary(kind)
                print(
                    String(
                        format: "  %@: %d, p50 %.2f ms, p99 %.2f ms", kind, summary.count, Double(summary.p50Microseconds) / 1000,
                        Double(summary.p99Microseconds) / 1000))
            }
        }
        print(
            "codes: "
                + result.codes.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" }.joined(separator: " "))
        if let backlog {
            print("outbox relay: \(backlog.count) events not yet published when the load stopped")
        }
        print("wrong answers: \(result.wrongAnswers.count)")
        for wrong in result.wrongAnswers.prefix(5) { print("  \(wrong)") }
        print("ledger audit: \(violations) violations")
        if violations > 0 || !result.wrongAnswers.isEmpty { throw ExitCode.failure }
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
    @Option(help: "Seconds to measure at most.") var duration = 30
    @Option(help: "Seconds of load before the measurement, not counted.") var warmup = 0
    @Option(help: "Players (funded first).") var players = 1_000
    @Option(help: "Rounds prepared per client (two calls each), taken by whichever client is free.") var rounds = 2_500
    @Option(
        help: """
            rounds: bet, then win, zero win or rollback. providers: the same with ~5 % replays (the same signed \
            request again, whose answer must be the first one byte for byte) and ~2 % bets refused for funds.
            """)
    var mix: String = "rounds"

    func run() async throws {
        let chosenMix: Hub88Benchmark.Mix
        switch mix {
        case "rounds": chosenMix = .rounds
        case "providers": chosenMix = .providers
        default: throw ValidationError("--mix must be rounds or providers")
        }
        let (configuration, logger) = try startUp(label: "croupier.bench")
        let dependencies = try AppDependencies(configuration: configuration, logger: logger)
        let (result, findings) = try await dependencies.withDatabase {
            let benchmark = Hub88Benchmark(
                providers: dependencies.providers, sessions: dependencies.gameSessions, ledger: dependencies.ledger,
                database: dependencies.database,
                serverURL: url, players: players, clients: clients, roundsPerClient: rounds, duration: .seconds(duration),
                warmup: .seconds(warmup), mix: chosenMix)
            let work = try await benchmark.prepare()
            try await analyzeAfterSetup(dependencies.database, logger: logger)
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
        for label in ["transaction/bet", "transaction/win", "transaction/rollback", "replay", "refusal"] {
            let summary = result.latencies.summary(label)
            guard summary.count > 0 else { continue }
            print(
                String(
                    format: "  %@: %d calls, p50 %.2f ms, p99 %.2f ms", label, summary.count, Double(summary.p50Microseconds) / 1000,
                    Double(summary.p99Microseconds) / 1000))
        }
        print("statuses: " + result.statuses.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
        if let ranOut = result.ranOutAfter {
            print(String(format: "the prepared calls ran out %.1f s into the measurement: raise --rounds", ranOut))
        }
        print("wrong answers: \(result.wrongAnswers.count)")
        for wrong in result.wrongAnswers.prefix(5) { print("  \(wrong)") }
        print("ledger audit: \(violations) violations")
        if violations > 0 || !result.wrongAnswers.isEmpty { throw ExitCode.failure }
    }
}

/// Statistics for every table once the setup has written its rows, as `pgbench -i` leaves its
/// tables. Without them the first plans are those of empty tables: the batch function keeps its
/// plans for a connection's life (`force_generic_plan`) until statistics change, so a whole
/// measurement could run on a plan that scans `ledger_transactions`. ANALYZE invalidates the
/// plans already cached, the server's too.
func analyzeAfterSetup(_ database: Database, logger: Logger) async throws {
    try await database.withConnection { connection in _ = try await connection.query("ANALYZE", logger: logger).collect() }
}
