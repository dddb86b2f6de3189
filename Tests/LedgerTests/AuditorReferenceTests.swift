import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// Invariant 10 (docs/ledger.md): the references foreign keys no longer check on the hot path
/// (migrations 0050 and 0058), proven by the auditor instead, each tampered with alone.
@Suite struct AuditorReferenceTests {
    let audit = AuditorInvariantTests()

    /// A transfer of a real transaction between accounts that do not exist: no balance, sum or
    /// delta sees it, since each joins through the accounts.
    @Test func aTransferNamingAccountsThatDoNotExistIsCaught() async throws {
        let violated = try await audit.violations { connection in
            try await connection.query(
                """
                INSERT INTO ledger_transfers (transaction_id, debit_account_id, credit_account_id, amount)
                SELECT x.id, (SELECT max(id) + 1 FROM ledger_accounts), (SELECT max(id) + 2 FROM ledger_accounts), 5
                  FROM ledger_transactions x WHERE x.idempotency_scope = 'test' AND x.idempotency_key = '1'
                """, logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [10])
    }

    /// A win whose bet reference leads nowhere (rewritten with the immutability trigger off, as
    /// a restore or a hand-made row could leave it). The win credited no bonus, so the bonus-share
    /// check, which joins through the reference, has nothing to object to.
    @Test func aTransactionReferencingNoTransactionIsCaught() async throws {
        let violated = try await audit.violations { connection in
            try await connection.query("SET session_replication_role = replica", logger: TestServices.logger).collect()
            try await connection.query(
                """
                UPDATE ledger_transactions SET reference_id = (SELECT max(id) + 1000 FROM ledger_transactions)
                 WHERE idempotency_scope = 'test' AND idempotency_key = '2'
                """, logger: TestServices.logger
            ).collect()
            try await connection.query("SET session_replication_role = DEFAULT", logger: TestServices.logger).collect()
        }
        #expect(violated == [10])
    }

    /// Transactions in a currency the ledger does not know (the currency renamed under them,
    /// with the accounts' own key switched off).
    @Test func aTransactionInAnUnknownCurrencyIsCaught() async throws {
        let violated = try await audit.violations { connection in
            try await connection.query("SET session_replication_role = replica", logger: TestServices.logger).collect()
            try await connection.query("UPDATE ledger_currencies SET code = 'XUS' WHERE code = 'USD'", logger: TestServices.logger)
                .collect()
            try await connection.query("SET session_replication_role = DEFAULT", logger: TestServices.logger).collect()
        }
        #expect(violated == [10])
    }
}
