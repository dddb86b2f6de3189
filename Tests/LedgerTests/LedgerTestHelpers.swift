import Core
import Logging
import Persistence
import PostgresNIO
import TestSupport

@testable import Ledger

/// A ledger on a fresh database, plus small helpers that read like the scenarios.
struct LedgerHarness {
    let ledger: Ledger
    var database: Database { ledger.database }
    var counter = 0

    static func with<T: Sendable>(_ body: (inout LedgerHarness) async throws -> T) async throws -> T {
        try await TestDatabase.with { database in
            var harness = LedgerHarness(ledger: Ledger(database: database, logger: TestServices.logger))
            let result = try await body(&harness)
            let findings = try await LedgerAuditor(database: database, logger: TestServices.logger).run()
            for finding in findings where finding.violations != 0 {
                throw AuditFailed(finding: finding)
            }
            return result
        }
    }

    struct AuditFailed: Error, CustomStringConvertible {
        let finding: LedgerAuditor.Finding
        var description: String { "invariant \(finding.invariant) (\(finding.name)): \(finding.violations) violations" }
    }

    mutating func nextKey(_ scope: String = "test") -> IdempotencyKey {
        counter += 1
        return IdempotencyKey(scope: scope, key: "op-\(counter)")
    }

    @discardableResult
    mutating func apply(
        _ movement: Movement, player: Int64 = 1, currency: String = "EUR", key: IdempotencyKey? = nil, metadata: [String: String] = [:]
    ) async throws -> Outcome {
        try await ledger.apply(
            LedgerOperation(key: key ?? nextKey(), player: PlayerID(player), currency: currency, movement: movement, metadata: metadata))
    }

    func balances(_ player: Int64 = 1, _ currency: String = "EUR") async throws -> Balances {
        try await ledger.balances(of: PlayerID(player))[currency] ?? .zero
    }

    /// Rows in the ledger's tables and the outbox, to prove that a refusal wrote nothing.
    func rowCounts() async throws -> [Int] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT (SELECT count(*) FROM ledger_transactions)::int, (SELECT count(*) FROM ledger_transfers)::int,
                       (SELECT count(*) FROM outbox)::int, (SELECT count(*) FROM ledger_tombstones)::int,
                       (SELECT coalesce(sum(balance), 0) FROM ledger_accounts)::bigint
                """, logger: TestServices.logger)
            var counts: [Int] = []
            for try await (a, b, c, d, e) in rows.decode((Int, Int, Int, Int, Int).self) { counts = [a, b, c, d, e] }
            return counts
        }
    }
}
