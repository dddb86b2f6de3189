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

    /// A house account's derived balance (its credits minus its debits); 0 when it has none.
    func houseBalance(_ code: String, _ currency: String = "EUR") async throws -> Int64 {
        try await scalar(
            """
            SELECT coalesce(sum(CASE WHEN t.credit_account_id = a.id THEN t.amount ELSE -t.amount END), 0)::bigint
              FROM ledger_accounts a JOIN ledger_transfers t ON a.id IN (t.credit_account_id, t.debit_account_id)
             WHERE a.house_code = \(code) AND a.currency = \(currency)
            """)
    }

    /// Accounts of one kind (`debt`, `house`, …), to prove that a refusal opened none.
    func accountCount(kind: String) async throws -> Int64 {
        try await scalar("SELECT count(*)::bigint FROM ledger_accounts WHERE balance_kind = \(kind)")
    }

    func scalar(_ query: PostgresQuery) async throws -> Int64 {
        try await database.withConnection { connection in
            for try await value in try await connection.query(query, logger: TestServices.logger).decode(Int64.self) { return value }
            return 0
        }
    }

    /// The ledger's events as their payloads' text, sorted, without the transaction ids (each
    /// database numbers its rows from its own offset): what two runs of one sequence must share.
    func ledgerEvents() async throws -> [String] {
        try await database.withConnection { connection in
            var events: [String] = []
            for try await payload in try await connection.query(
                """
                SELECT (payload - 'transactionId' - 'reference' || jsonb_build_object('hasReference', payload->'reference' <> 'null'))::text
                  FROM outbox WHERE subject LIKE 'croupier.ledger.%' ORDER BY 1
                """, logger: TestServices.logger
            ).decode(String.self) {
                events.append(payload)
            }
            return events
        }
    }

    /// Rows in the ledger's tables (players' accounts too) and the outbox, to prove that a refusal wrote nothing.
    func rowCounts() async throws -> [Int] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT (SELECT count(*) FROM ledger_transactions)::int, (SELECT count(*) FROM ledger_transfers)::int,
                       (SELECT count(*) FROM outbox)::int, (SELECT count(*) FROM ledger_tombstones)::int,
                       (SELECT count(*) FROM ledger_accounts WHERE player_id IS NOT NULL)::int
                """, logger: TestServices.logger)
            var counts: [Int] = []
            for try await (a, b, c, d, e) in rows.decode((Int, Int, Int, Int, Int).self) { counts = [a, b, c, d, e] }
            return counts
        }
    }
}
