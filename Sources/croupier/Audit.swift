import App
import ArgumentParser
import Bonuses
import CommandSupport
import Identity
import Ledger

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Check the ledger's invariants, Bonuses' grants against the ledger, and the audit log's hash chain over the whole database.",
        discussion: """
            Prints each ledger invariant with its count of violations (docs/ledger.md), then the audit             chain's length and its first broken row, and exits 1 if anything fails.
            """)

    func run() async throws {
        let (configuration, logger) = try startUp(label: "croupier.audit")
        let findings: [LedgerAuditor.Finding]
        let chain: (rows: Int, firstBroken: Int64?)
        let bonusViolations: Int
        do {
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            (findings, chain, bonusViolations) = try await dependencies.withDatabase {
                (
                    try await LedgerAuditor(database: dependencies.database, logger: logger).run(),
                    try await AuditLog(database: dependencies.database, logger: logger).verify(),
                    try await BonusAuditor(database: dependencies.database, ledger: dependencies.ledger, logger: logger).violations()
                )
            }
        } catch {
            throw fail(error, logger: logger)
        }
        for finding in findings {
            let verdict = finding.violations == 0 ? "ok  " : "FAIL"
            print("invariant \(finding.invariant)  \(verdict)  \(finding.violations) violations  \(finding.name)")
        }
        let total = findings.reduce(0) { $0 + $1.violations }
        print(total == 0 ? "ledger audit: 0 violations" : "ledger audit: \(total) violations")
        print("bonuses audit: \(bonusViolations) violations (\(BonusAuditor.name))")
        if let broken = chain.firstBroken {
            print("audit chain: BROKEN at row \(broken) (\(chain.rows) rows); that row or the one before it was changed")
        } else {
            print("audit chain: \(chain.rows) rows verified")
        }
        if total != 0 || bonusViolations != 0 || chain.firstBroken != nil { throw ExitCode.failure }
    }
}
