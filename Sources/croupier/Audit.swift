import App
import ArgumentParser
import Ledger

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the ledger's invariants over the whole database.",
        discussion: "Prints each invariant with its count of violations (docs/ledger.md) and exits 1 if any is violated.")

    func run() async throws {
        let (configuration, logger) = try startUp(label: "croupier.audit")
        let findings: [LedgerAuditor.Finding]
        do {
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            findings = try await dependencies.withDatabase {
                try await LedgerAuditor(database: dependencies.database, logger: logger).run()
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
        if total != 0 { throw ExitCode.failure }
    }
}
