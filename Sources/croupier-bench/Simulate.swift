import App
import ArgumentParser
import CommandSupport
import Ledger
import LedgerTesting

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the seeded ledger simulation against the configured database, then audit it.",
        discussion: """
            Many players bet, win, roll back, retry and duplicate concurrently; every outcome is \
            checked against a model of the rules, and the auditor runs at the end. The same seed \
            gives the same final balances (compare the digest). Use a scratch database: the \
            simulation writes real ledger rows for players from --first-player on.
            """)

    @Option(help: "Seed; a failure report names it.") var seed: UInt64 = 1
    @Option(help: "Number of players.") var players = 1_000
    @Option(help: "Total operations (approximate: divided among players).") var operations = 200_000
    @Option(help: "Players played at once.") var concurrency = 16
    @Option(help: "Id of the first simulated player.") var firstPlayer: Int64 = 1_000_000

    func run() async throws {
        let (configuration, logger) = try startUp(label: "croupier.simulate")
        let dependencies = try AppDependencies(configuration: configuration, logger: logger)
        let (report, findings) = try await dependencies.withDatabase {
            let report = try await LedgerSimulation(
                ledger: dependencies.ledger,
                configuration: .init(
                    seed: seed, players: players, operations: operations, concurrency: concurrency, firstPlayer: firstPlayer)
            ).run()
            return (report, try await LedgerAuditor(database: dependencies.database, logger: logger).run())
        }
        let seconds = Double(report.elapsed.components.seconds) + Double(report.elapsed.components.attoseconds) / 1e18
        print(
            "seed \(seed): \(report.operations) operations across \(players) players in \(String(format: "%.1f", seconds)) s (\(Int(Double(report.operations) / seconds)) ops/s)"
        )
        for (code, count) in report.codes.sorted(by: { $0.value > $1.value }) { print("  \(code.rawValue): \(count)") }
        print("final replay of every applied operation: \(report.finalReplays) replays, all checked")
        print("final balances digest: \(report.balancesDigest)")
        print("model divergences: \(report.divergences.count)")
        for divergence in report.divergences.prefix(10) { print("  \(divergence)") }
        let violations = findings.reduce(0) { $0 + $1.violations }
        for finding in findings { print("invariant \(finding.invariant): \(finding.violations) violations") }
        print("ledger audit: \(violations) violations")
        if violations > 0 || !report.divergences.isEmpty { throw ExitCode.failure }
    }
}
