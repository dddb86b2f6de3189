import Core
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

extension AuditorInvariantTests {
    /// A whole, consistent win naming no bet that credits bonus: balances, transfers, chain and
    /// event agree, but bonus money appeared where no bonus was staked.
    @Test func invariant8NoWinCreditsBonusBeyondItsShare() async throws {
        let violated = try await violations { connection in
            try await connection.query(
                """
                DO $$
                DECLARE
                    last ledger_transactions%ROWTYPE;
                    forged bigint;
                BEGIN
                    SELECT * INTO last FROM ledger_transactions WHERE player_id = 1 AND currency = 'EUR' ORDER BY id DESC LIMIT 1;
                    INSERT INTO ledger_transactions (idempotency_scope, idempotency_key, payload_hash, kind, player_id, currency,
                                                     real_delta, bonus_delta, locked_delta, real_after, bonus_after, locked_after)
                    VALUES ('tamper', 'bonus-win', '\\x00', 'win', 1, 'EUR', 0, 5, 0, last.real_after, last.bonus_after + 5,
                            last.locked_after)
                    RETURNING id INTO forged;
                    INSERT INTO ledger_transfers (transaction_id, debit_account_id, credit_account_id, amount)
                    SELECT forged, g.id, b.id, 5 FROM ledger_accounts g, ledger_accounts b
                     WHERE g.house_code = 'games:acme' AND g.currency = 'EUR'
                       AND b.player_id = 1 AND b.currency = 'EUR' AND b.balance_kind = 'bonus';
                    UPDATE ledger_accounts SET balance = balance + 5 WHERE player_id = 1 AND currency = 'EUR' AND balance_kind = 'bonus';
                    INSERT INTO outbox (event_id, subject, payload)
                    VALUES (gen_random_uuid(), 'croupier.ledger.win', jsonb_build_object('transactionId', forged));
                END
                $$
                """, logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [8])
    }
}
