import Core
import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// Each invariant of docs/ledger.md caught by the auditor on a ledger tampered with for that
/// invariant alone, after real operations: the auditor must name it and no other.
@Suite struct AuditorInvariantTests {
    /// Real operations (two players, two currencies, a bet settled by a win, an adjustment, a
    /// chargeback leaving a debt of 100 USD, a payout with a fee, two freezes of which one is
    /// returned, an open hold, an approved adjustment request), a clean audit, then `tamper` on
    /// a connection of its own; answers the invariants violated.
    func violations(after tamper: (PostgresConnection) async throws -> Void) async throws -> [Int] {
        try await TestDatabase.with { database in
            let ledger = Ledger(database: database, logger: TestServices.logger)
            let operations: [(Int64, String, Movement)] = [
                (1, "EUR", .deposit(units: 1_000, gateway: .payments("sandbox"))),
                (1, "EUR", .bet(units: 100, house: .games("acme"))),
                (1, "EUR", .win(units: 50, house: .games("acme"), bet: IdempotencyKey(scope: "test", key: "1"))),
                (1, "EUR", .adjustment(units: 10)),
                (2, "USD", .deposit(units: 500, gateway: .payments("sandbox"))),
                (2, "USD", .bet(units: 200, house: .games("acme"))),
                (2, "USD", .chargeback(units: 400, gateway: .payments("sandbox"), deposit: IdempotencyKey(scope: "test", key: "4"))),
                (1, "EUR", .withdrawalHold(units: 100)),
                (1, "EUR", .withdrawalPost(hold: IdempotencyKey(scope: "test", key: "7"), gateway: .payments("sandbox"), fee: 10)),
                (1, "EUR", .freeze(units: 50)),
                (1, "EUR", .freeze(units: 20)),
                (1, "EUR", .unfreeze(freeze: IdempotencyKey(scope: "test", key: "9"))),
                (1, "EUR", .withdrawalHold(units: 30)),
            ]
            for (index, (player, currency, movement)) in operations.enumerated() {
                let outcome = try await ledger.apply(
                    LedgerOperation(
                        key: IdempotencyKey(scope: "test", key: "\(index)"), player: PlayerID(player), currency: currency,
                        movement: movement))
                try #require(outcome.code == .ok, "operation \(index)")
            }
            let requests = AdjustmentRequests(ledger: ledger)
            try await database.withTransaction(logger: TestServices.logger) { connection in
                let (request, _) = try await requests.request(
                    .init(
                        player: PlayerID(1), currency: "EUR", units: 25, reason: "goodwill", requestedBy: "staff:1", key: "r1",
                        requiresOwner: false), at: Date(), on: connection)
                let (_, outcome) = try await requests.approve(
                    request.id, by: .init(actor: "staff:2", isOwner: false), at: Date(), on: connection)
                try #require(outcome.code == .ok, "the approved adjustment")
            }
            let auditor = LedgerAuditor(database: database, logger: TestServices.logger)
            try #require(try await auditor.run().allSatisfy { $0.violations == 0 }, "the untouched ledger audits clean")
            try await database.withConnection { try await tamper($0) }
            let findings = try await auditor.run()
            #expect(findings.map(\.invariant) == Array(1...10), "every invariant is checked")
            return findings.filter { $0.violations > 0 }.map(\.invariant)
        }
    }

    /// Money leaking between currencies through a transfer outside any transaction: every account
    /// still matches its own transfers, but EUR and USD no longer sum to zero. With every transfer
    /// inside a transaction (invariant 10), invariant 1 follows from 2, so it never fires alone.
    @Test func invariant1CurrenciesSumToZero() async throws {
        let violated = try await violations { connection in
            try await connection.query(
                """
                INSERT INTO ledger_transfers (transaction_id, debit_account_id, credit_account_id, amount)
                SELECT (SELECT max(id) + 1000 FROM ledger_transactions), eur.id, usd.id, 5
                  FROM ledger_accounts eur, ledger_accounts usd
                 WHERE eur.house_code = 'payments:sandbox' AND eur.currency = 'EUR'
                   AND usd.house_code = 'payments:sandbox' AND usd.currency = 'USD'
                """, logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [1, 10])
    }

    /// Money moved between two of a player's accounts without a transfer: the sum holds, each
    /// balance no longer follows from its transfers.
    @Test func invariant2BalancesEqualTheirTransfers() async throws {
        let violated = try await violations { connection in
            try await connection.query(
                """
                UPDATE ledger_accounts SET balance = balance + CASE balance_kind WHEN 'real' THEN -5 ELSE 5 END
                 WHERE player_id = 1 AND currency = 'EUR' AND balance_kind IN ('real', 'bonus')
                """, logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [2])
    }

    /// A whole, consistent transaction forged past ledger_apply (and past the CHECK it relies
    /// on) that overdraws the player: transfers, deltas, chain and event all agree.
    @Test func invariant3NoPlayerBalanceIsNegative() async throws {
        let violated = try await violations { connection in
            try await connection.query(
                """
                DO $$
                DECLARE
                    last ledger_transactions%ROWTYPE;
                    forged bigint;
                    guard text;
                BEGIN
                    SELECT conname INTO guard FROM pg_constraint
                     WHERE conrelid = 'ledger_accounts'::regclass AND pg_get_constraintdef(oid) LIKE '%balance >= 0%';
                    EXECUTE format('ALTER TABLE ledger_accounts DROP CONSTRAINT %I', guard);
                    SELECT * INTO last FROM ledger_transactions WHERE player_id = 1 AND currency = 'EUR' ORDER BY id DESC LIMIT 1;
                    INSERT INTO ledger_transactions (idempotency_scope, idempotency_key, payload_hash, kind, player_id, currency,
                                                     real_delta, bonus_delta, locked_delta, real_after, bonus_after, locked_after)
                    VALUES ('tamper', 'overdraw', '\\x00', 'adjustment', 1, 'EUR', -(last.real_after + 1), 0, 0, -1, last.bonus_after,
                            last.locked_after)
                    RETURNING id INTO forged;
                    INSERT INTO ledger_transfers (transaction_id, debit_account_id, credit_account_id, amount)
                    SELECT forged, player.id, house.id, last.real_after + 1 FROM ledger_accounts player, ledger_accounts house
                     WHERE player.player_id = 1 AND player.currency = 'EUR' AND player.balance_kind = 'real'
                       AND house.house_code = 'adjustments' AND house.currency = 'EUR';
                    UPDATE ledger_accounts SET balance = -1 WHERE player_id = 1 AND currency = 'EUR' AND balance_kind = 'real';
                    INSERT INTO outbox (event_id, subject, payload)
                    VALUES (gen_random_uuid(), 'croupier.ledger.adjustment', jsonb_build_object('transactionId', forged));
                END
                $$
                """, logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [3])
    }

    /// A debt forgiven beyond zero by a whole, consistent transaction (past the CHECK): the player
    /// would be owed money by an account that only ever records what they owe.
    @Test func invariant3NoDebtIsPositive() async throws {
        let violated = try await violations { connection in
            try await connection.query(
                """
                DO $$
                DECLARE
                    last ledger_transactions%ROWTYPE;
                    forged bigint;
                    guard text;
                BEGIN
                    SELECT conname INTO guard FROM pg_constraint
                     WHERE conrelid = 'ledger_accounts'::regclass AND pg_get_constraintdef(oid) LIKE '%balance <= 0%';
                    EXECUTE format('ALTER TABLE ledger_accounts DROP CONSTRAINT %I', guard);
                    SELECT * INTO last FROM ledger_transactions WHERE player_id = 2 AND currency = 'USD' ORDER BY id DESC LIMIT 1;
                    INSERT INTO ledger_transactions (idempotency_scope, idempotency_key, payload_hash, kind, player_id, currency,
                                                     real_delta, bonus_delta, locked_delta, real_after, bonus_after, locked_after)
                    VALUES ('tamper', 'forgive', '\\x00', 'adjustment', 2, 'USD', 0, 0, 0, last.real_after, last.bonus_after,
                            last.locked_after)
                    RETURNING id INTO forged;
                    INSERT INTO ledger_transfers (transaction_id, debit_account_id, credit_account_id, amount)
                    SELECT forged, house.id, debt.id, 101 FROM ledger_accounts debt, ledger_accounts house
                     WHERE debt.player_id = 2 AND debt.currency = 'USD' AND debt.balance_kind = 'debt'
                       AND house.house_code = 'payments:sandbox' AND house.currency = 'USD';
                    UPDATE ledger_accounts SET balance = 1 WHERE player_id = 2 AND currency = 'USD' AND balance_kind = 'debt';
                    INSERT INTO outbox (event_id, subject, payload)
                    VALUES (gen_random_uuid(), 'croupier.ledger.adjustment', jsonb_build_object('transactionId', forged));
                END
                $$
                """, logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [3])
    }

    /// The guard against changing transfers switched off (nothing changed yet).
    @Test func invariant4TransfersAreImmutable() async throws {
        let violated = try await violations { connection in
            try await connection.query(
                "ALTER TABLE ledger_transfers DISABLE TRIGGER ledger_transfers_immutable", logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [4])
    }

    /// A tombstone for a key that was applied: a late bet would now be both taken and refused.
    @Test func invariant5KeysApplyAtMostOnce() async throws {
        let violated = try await violations { connection in
            try await connection.query(
                """
                INSERT INTO ledger_tombstones (reference_scope, reference_key, rollback_scope, rollback_key, payload_hash, player_id, currency)
                VALUES ('test', '1', 'tamper', 'late-rollback', '\\x00', 1, 'EUR')
                """, logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [5])
    }

    /// A second chargeback of the 500 USD deposit, forged consistently (its transfer, the debt it
    /// leaves, its event), taking back 900 in all.
    @Test func invariant5NoDepositIsChargedBackBeyondItsAmount() async throws {
        let violated = try await violations { connection in
            try await connection.query(
                """
                DO $$
                DECLARE
                    last ledger_transactions%ROWTYPE;
                    forged bigint;
                BEGIN
                    SELECT * INTO last FROM ledger_transactions WHERE player_id = 2 AND currency = 'USD' ORDER BY id DESC LIMIT 1;
                    INSERT INTO ledger_transactions (idempotency_scope, idempotency_key, payload_hash, kind, player_id, currency,
                                                     reference_id, real_delta, bonus_delta, locked_delta, real_after, bonus_after,
                                                     locked_after)
                    SELECT 'tamper', 'second-chargeback', '\\x00', 'chargeback', 2, 'USD', deposit.id, 0, 0, 0, last.real_after,
                           last.bonus_after, last.locked_after
                      FROM ledger_transactions deposit WHERE deposit.idempotency_scope = 'test' AND deposit.idempotency_key = '4'
                    RETURNING id INTO forged;
                    INSERT INTO ledger_transfers (transaction_id, debit_account_id, credit_account_id, amount)
                    SELECT forged, debt.id, house.id, 500 FROM ledger_accounts debt, ledger_accounts house
                     WHERE debt.player_id = 2 AND debt.currency = 'USD' AND debt.balance_kind = 'debt'
                       AND house.house_code = 'payments:sandbox' AND house.currency = 'USD';
                    UPDATE ledger_accounts SET balance = balance - 500 WHERE player_id = 2 AND currency = 'USD' AND balance_kind = 'debt';
                    INSERT INTO outbox (event_id, subject, payload)
                    VALUES (gen_random_uuid(), 'croupier.ledger.chargeback', jsonb_build_object('transactionId', forged));
                END
                $$
                """, logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [5])
    }

    /// A committed transaction whose event was lost.
    @Test func invariant6OneOutboxEventPerTransaction() async throws {
        let violated = try await violations { connection in
            try await connection.query(
                """
                DELETE FROM outbox WHERE subject = 'croupier.ledger.adjustment'
                """, logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [6])
    }

    /// Money moved `real → locked` by a whole, consistent transaction that is neither a hold nor
    /// a freeze: balances, transfers, chain and event agree, but nothing would ever release it.
    @Test func invariant7LockedIsOpenHoldsAndFreezes() async throws {
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
                    VALUES ('tamper', 'stray-lock', '\\x00', 'adjustment', 1, 'EUR', -5, 0, 5, last.real_after - 5, last.bonus_after,
                            last.locked_after + 5)
                    RETURNING id INTO forged;
                    INSERT INTO ledger_transfers (transaction_id, debit_account_id, credit_account_id, amount)
                    SELECT forged, r.id, l.id, 5 FROM ledger_accounts r, ledger_accounts l
                     WHERE r.player_id = 1 AND r.currency = 'EUR' AND r.balance_kind = 'real'
                       AND l.player_id = 1 AND l.currency = 'EUR' AND l.balance_kind = 'locked';
                    UPDATE ledger_accounts SET balance = balance + CASE balance_kind WHEN 'real' THEN -5 ELSE 5 END
                     WHERE player_id = 1 AND currency = 'EUR' AND balance_kind IN ('real', 'locked');
                    INSERT INTO outbox (event_id, subject, payload)
                    VALUES (gen_random_uuid(), 'croupier.ledger.adjustment', jsonb_build_object('transactionId', forged));
                END
                $$
                """, logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [7])
    }

    /// An approved request rewritten after the fact: the money moved is no longer what was approved.
    @Test func invariant9AdjustmentsMoveWhatWasApproved() async throws {
        let violated = try await violations { connection in
            try await connection.query("UPDATE ledger_adjustment_requests SET units = units * 2", logger: TestServices.logger).collect()
        }
        #expect(violated == [9])
    }

    /// The approval rewritten to name another approver: the transaction's metadata still names the real one.
    @Test func invariant9TheApproverCannotBeRewritten() async throws {
        let violated = try await violations { connection in
            try await connection.query("UPDATE ledger_adjustment_requests SET decided_by = 'staff:9'", logger: TestServices.logger)
                .collect()
        }
        #expect(violated == [9])
    }

    /// Money moved under a request's key that no approval covers.
    @Test func invariant9NoAdjustmentWithoutItsApproval() async throws {
        let violated = try await violations { connection in
            try await connection.query(
                """
                UPDATE ledger_adjustment_requests SET state = 'rejected', transaction_id = NULL, approver_is_owner = NULL
                """, logger: TestServices.logger
            ).collect()
        }
        #expect(violated == [9])
    }
}
