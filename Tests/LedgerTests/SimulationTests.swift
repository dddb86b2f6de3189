import LedgerTesting
import TestSupport
import Testing

@testable import Ledger

/// The full-size run (200,000 operations, 1,000 players) is `croupier-bench simulate`, recorded in
/// docs/benchmarks.md; this one keeps the suite quick and still covers every fault.
@Suite struct SimulationTests {
    func simulate(seed: UInt64) async throws -> LedgerSimulation.Report {
        try await LedgerHarness.with { h in
            try await LedgerSimulation(ledger: h.ledger, configuration: .init(seed: seed, players: 100, operations: 6_000)).run()
        }
    }

    @Test func everyOutcomeMatchesTheModelAndTheSameSeedGivesTheSameBalances() async throws {
        async let first = simulate(seed: 42)
        async let second = simulate(seed: 42)
        let (a, b) = try await (first, second)
        #expect(a.divergences.isEmpty, "\(a.divergences.prefix(3))")
        #expect(b.divergences.isEmpty)
        #expect(a.operations >= 6_000)
        #expect(a.finalReplays > 3_000, "every applied operation is replayed at the end")
        #expect(a.balancesDigest == b.balancesDigest)
        #expect(a.codes == b.codes)
        for fault in [ResultCode.insufficientFunds, .duplicateMismatch, .referenceNotFound, .alreadyRolledBack, .invalidAmount] {
            #expect((a.codes[fault] ?? 0) > 0, "the mix exercises \(fault)")
        }
    }

    @Test func anotherSeedGivesOtherBalances() async throws {
        let (a, b) = try await (simulate(seed: 1), simulate(seed: 2))
        #expect(a.balancesDigest != b.balancesDigest)
    }
}
