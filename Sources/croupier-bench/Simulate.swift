import App
import ArgumentParser
import CommandSupport
import Compliance
import Core
import Ledger
import LedgerTesting

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the seeded ledger simulation against the configured database, then audit it.",
        discussion: """
            Many players bet, win, roll back, retry and duplicate concurrently; every outcome is \
            checked against a model of the rules, and the auditor runs at the end. Bets, wins and \
            rollbacks go through player protection's and bonuses' hooks, and one player in \
            --limited-every plays under daily loss and wager limits that they lower, raise and \
            remove while playing. The same seed gives the same final balances (compare the \
            digest). Use a scratch database: the simulation writes real ledger rows for players \
            from --first-player on.
            """)

    @Option(help: "Seed; a failure report names it.") var seed: UInt64 = 1
    @Option(help: "Number of players.") var players = 1_000
    @Option(help: "Total operations (approximate: divided among players).") var operations = 200_000
    @Option(help: "Players played at once.") var concurrency = 16
    @Option(help: "Id of the first simulated player.") var firstPlayer: Int64 = 1_000_000
    @Option(help: "One player in this many plays under limits; 0: no hooks at all, straight to the ledger.") var limitedEvery = 4

    func run() async throws {
        let (configuration, logger) = try startUp(label: "croupier.simulate")
        let dependencies = try AppDependencies(configuration: configuration, logger: logger)
        let (report, findings) = try await dependencies.withDatabase {
            let report = try await LedgerSimulation(
                ledger: dependencies.ledger,
                configuration: .init(
                    seed: seed, players: players, operations: operations, concurrency: concurrency, firstPlayer: firstPlayer,
                    protection: try await protection(dependencies))
            ).run()
            return (report, try await LedgerAuditor(database: dependencies.database, logger: logger).run())
        }
        let seconds = Double(report.elapsed.components.seconds) + Double(report.elapsed.components.attoseconds) / 1e18
        print(
            "seed \(seed): \(report.operations) operations across \(players) players in \(String(format: "%.1f", seconds)) s (\(Int(Double(report.operations) / seconds)) ops/s)"
        )
        for (code, count) in report.codes.sorted(by: { $0.value > $1.value }) { print("  \(code.rawValue): \(count)") }
        for (code, count) in report.refusals.sorted(by: { $0.key < $1.key }) { print("  refused by a hook, \(code): \(count)") }
        if limitedEvery > 0 { print("limit changes, each checked against the model: \(report.limitChanges)") }
        print("final replay of every applied operation: \(report.finalReplays) replays, all checked")
        print("final balances digest: \(report.balancesDigest)")
        print("model divergences: \(report.divergences.count)")
        for divergence in report.divergences.prefix(10) { print("  \(divergence)") }
        let violations = findings.reduce(0) { $0 + $1.violations }
        for finding in findings { print("invariant \(finding.invariant): \(finding.violations) violations") }
        print("ledger audit: \(violations) violations")
        if violations > 0 || !report.divergences.isEmpty { throw ExitCode.failure }
    }

    /// The hooks a provider's calls run (the App's composition), and limits set through
    /// Compliance's API as a player sets them.
    private func protection(_ dependencies: AppDependencies) async throws -> SimulatedProtection? {
        guard limitedEvery > 0 else { return nil }
        guard let scale = try await dependencies.ledger.currencies()["EUR"]?.scale else { throw ValidationError("EUR is not a currency") }
        let hooks = dependencies.walletHooks
        let protection = dependencies.protection
        return SimulatedProtection(
            betChecks: hooks.betChecks, betFollowUps: hooks.betFollowUps, winFollowUps: hooks.winFollowUps, limitedEvery: limitedEvery
        ) { player, limit, units in
            let kind: ProtectionLimitKind = limit == .loss ? .loss : .wager
            let result = try await protection.setLimit(
                player: player, slot: LimitSlot(kind: kind, period: .day, currency: "EUR"),
                amount: units.map { Amount.decimal(units: $0, scale: scale) }, actor: "simulation")
            return result == .applied
        }
    }
}
