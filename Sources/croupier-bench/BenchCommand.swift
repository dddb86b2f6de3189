import ArgumentParser

/// The seeded ledger simulation and the benchmarks: a binary of its own, so that their workload
/// code (LedgerTesting, GamesTesting, IdentityTesting) is never linked into `croupier`.
@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "croupier-bench",
        abstract: "Croupier's seeded ledger simulation and benchmarks (bench/README.md). Use a scratch database.",
        discussion: "Configuration comes from CROUPIER_* environment variables, as for croupier (docs/configuration.md).",
        subcommands: [Simulate.self, LedgerBench.self, Hub88Bench.self, ReportsBench.self, ResetStream.self])
}
