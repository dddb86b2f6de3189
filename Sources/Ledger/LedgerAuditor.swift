import Logging
import Persistence
import PostgresNIO

/// Checks the ledger's invariants (docs/ledger.md) over the whole database. Each check counts
/// violations; a healthy ledger has zero everywhere.
public struct LedgerAuditor: Sendable {
    public struct Finding: Sendable, Equatable {
        public let invariant: Int
        public let name: String
        public let violations: Int
    }

    public let database: Database
    public let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Every account's credits minus debits. Constant text with no input in it, hence
    /// `unsafeSQL` where the checks below append to it.
    static let transferSums = """
        WITH sums AS (
            SELECT account_id, sum(amount) AS total FROM (
                SELECT credit_account_id AS account_id, amount FROM ledger_transfers
                UNION ALL
                SELECT debit_account_id, -amount FROM ledger_transfers) signed
             GROUP BY account_id)
        """

    static let checks: [(Int, String, PostgresQuery)] = [
        (
            1, "every currency sums to zero (player balances + derived house balances)",
            PostgresQuery(
                unsafeSQL: transferSums + """
                    SELECT count(*) FROM (
                        SELECT a.currency, sum(CASE WHEN a.player_id IS NOT NULL THEN a.balance ELSE coalesce(s.total, 0) END) AS total
                          FROM ledger_accounts a LEFT JOIN sums s ON s.account_id = a.id
                         GROUP BY a.currency) totals
                     WHERE total <> 0
                    """)
        ),
        (
            2, "every account's balance equals the sum of its transfers, in one currency",
            PostgresQuery(
                unsafeSQL: transferSums + """
                    SELECT (SELECT count(*) FROM ledger_accounts a LEFT JOIN sums s ON s.account_id = a.id
                             WHERE a.player_id IS NOT NULL AND a.balance <> coalesce(s.total, 0))
                         + (SELECT count(*) FROM ledger_transfers t
                              JOIN ledger_transactions x ON x.id = t.transaction_id
                              JOIN ledger_accounts d ON d.id = t.debit_account_id
                              JOIN ledger_accounts c ON c.id = t.credit_account_id
                             WHERE d.currency <> x.currency OR c.currency <> x.currency)
                         + (SELECT count(*) FROM ledger_accounts WHERE house_code IS NOT NULL AND balance <> 0)
                    """)
        ),
        (
            3, "no player balance is negative and no debt positive, now or after any transaction",
            // A debt's balance after each transaction is not recorded on the transaction; its
            // running sum over its transfers (one per transaction) is.
            """
            SELECT (SELECT count(*) FROM ledger_accounts
                     WHERE player_id IS NOT NULL AND CASE WHEN balance_kind = 'debt' THEN balance > 0 ELSE balance < 0 END)
                 + (SELECT count(*) FROM ledger_transactions WHERE real_after < 0 OR bonus_after < 0 OR locked_after < 0)
                 + (SELECT count(*) FROM (
                        SELECT sum(amount) OVER (PARTITION BY account_id ORDER BY id) AS running FROM (
                            SELECT t.id, t.credit_account_id AS account_id, t.amount FROM ledger_transfers t
                              JOIN ledger_accounts a ON a.id = t.credit_account_id AND a.balance_kind = 'debt'
                            UNION ALL
                            SELECT t.id, t.debit_account_id, -t.amount FROM ledger_transfers t
                              JOIN ledger_accounts a ON a.id = t.debit_account_id AND a.balance_kind = 'debt') debts) history
                     WHERE running > 0)
            """
        ),
        (
            4, "transfers are immutable: guarded by triggers, and every recorded balance follows from the one before",
            """
            SELECT (3 - (SELECT count(*) FROM pg_trigger
                          WHERE tgname IN ('ledger_transactions_immutable', 'ledger_transfers_immutable', 'ledger_tombstones_immutable')
                            AND tgenabled = 'O'))
                 + (SELECT count(*) FROM (
                        SELECT real_after - real_delta AS real_before, bonus_after - bonus_delta AS bonus_before,
                               locked_after - locked_delta AS locked_before,
                               lag(real_after, 1, 0::bigint) OVER w AS real_prev, lag(bonus_after, 1, 0::bigint) OVER w AS bonus_prev,
                               lag(locked_after, 1, 0::bigint) OVER w AS locked_prev
                          FROM ledger_transactions WINDOW w AS (PARTITION BY player_id, currency ORDER BY id)) chain
                     WHERE real_before <> real_prev OR bonus_before <> bonus_prev OR locked_before <> locked_prev)
                 + (SELECT count(*) FROM ledger_transactions x
                      LEFT JOIN (
                           SELECT t.transaction_id,
                                  sum(CASE WHEN c.balance_kind = 'real' THEN t.amount ELSE 0 END)
                                - sum(CASE WHEN d.balance_kind = 'real' THEN t.amount ELSE 0 END) AS real_delta,
                                  sum(CASE WHEN c.balance_kind = 'bonus' THEN t.amount ELSE 0 END)
                                - sum(CASE WHEN d.balance_kind = 'bonus' THEN t.amount ELSE 0 END) AS bonus_delta,
                                  sum(CASE WHEN c.balance_kind = 'locked' THEN t.amount ELSE 0 END)
                                - sum(CASE WHEN d.balance_kind = 'locked' THEN t.amount ELSE 0 END) AS locked_delta
                             FROM ledger_transfers t
                             JOIN ledger_accounts d ON d.id = t.debit_account_id
                             JOIN ledger_accounts c ON c.id = t.credit_account_id
                            GROUP BY t.transaction_id) s ON s.transaction_id = x.id
                     WHERE (x.real_delta, x.bonus_delta, x.locked_delta) IS DISTINCT FROM (s.real_delta, s.bonus_delta, s.locked_delta))
                 + (SELECT count(*) FROM ledger_transactions x WHERE NOT EXISTS (SELECT 1 FROM ledger_transfers t WHERE t.transaction_id = x.id))
            """
        ),
        (
            5, "every idempotency key is applied at most once, and no deposit is charged back beyond its amount",
            // A chargeback's transfers (from real, and what real lacked from debt) add up to its
            // units; a deposit's amount is its one transfer from the gateway.
            """
            SELECT (SELECT count(*) FROM (SELECT 1 FROM ledger_transactions GROUP BY idempotency_scope, idempotency_key HAVING count(*) > 1) d)
                 + (SELECT count(*) FROM ledger_tombstones s JOIN ledger_transactions x
                        ON x.idempotency_scope = s.reference_scope AND x.idempotency_key = s.reference_key)
                 + (SELECT count(*) FROM (SELECT 1 FROM ledger_transactions WHERE kind = 'rollback' GROUP BY reference_id HAVING count(*) > 1) r)
                 + (SELECT count(*) FROM (
                        SELECT c.reference_id, sum(t.amount) AS charged FROM ledger_transactions c
                          JOIN ledger_transfers t ON t.transaction_id = c.id
                         WHERE c.kind = 'chargeback' GROUP BY c.reference_id) chargebacks
                     WHERE charged > coalesce((SELECT sum(t.amount) FROM ledger_transactions d
                                                 JOIN ledger_transfers t ON t.transaction_id = d.id
                                                 JOIN ledger_accounts a ON a.id = t.debit_account_id
                                                WHERE d.id = chargebacks.reference_id AND d.kind = 'deposit' AND a.house_code IS NOT NULL), 0))
            """
        ),
        (
            6, "every ledger transaction has exactly one outbox event",
            """
            SELECT count(*) FROM ledger_transactions x
              LEFT JOIN (SELECT (payload->>'transactionId')::bigint AS transaction_id, count(*) AS events
                           FROM outbox WHERE subject LIKE 'croupier.ledger.%' GROUP BY 1) o ON o.transaction_id = x.id
             WHERE coalesce(o.events, 0) <> 1
            """
        ),
        (
            7, "every locked balance is its open withdrawal holds and compliance freezes",
            // A hold is open until a post or void names it, a freeze until an unfreeze does; each
            // moved its `locked_delta` into `locked`.
            """
            SELECT count(*) FROM ledger_accounts l
              LEFT JOIN (
                   SELECT h.player_id, h.currency, sum(h.locked_delta) AS open_units FROM ledger_transactions h
                    WHERE (h.kind = 'withdrawal_hold'
                           AND NOT EXISTS (SELECT 1 FROM ledger_transactions s
                                            WHERE s.reference_id = h.id AND s.kind IN ('withdrawal_post', 'withdrawal_void')))
                       OR (h.kind = 'freeze'
                           AND NOT EXISTS (SELECT 1 FROM ledger_transactions u WHERE u.reference_id = h.id AND u.kind = 'unfreeze'))
                    GROUP BY h.player_id, h.currency) o ON o.player_id = l.player_id AND o.currency = l.currency
             WHERE l.balance_kind = 'locked' AND l.balance <> coalesce(o.open_units, 0)
            """
        ),
        (
            8, "no win credits bonus beyond its bet's bonus share",
            // A win's bonus part is at most floor(W × B / T) of its amount W for a bet whose stake
            // T took B from bonus (the ledger credits exactly that; wins from before the split
            // credited real only, which this allows); a win naming no bet credits none.
            """
            SELECT count(*) FROM ledger_transactions w
              LEFT JOIN ledger_transactions b ON b.id = w.reference_id AND b.kind = 'bet'
             WHERE w.kind = 'win'
               AND (w.bonus_delta < 0
                    OR w.bonus_delta > CASE WHEN b.id IS NULL THEN 0
                                            ELSE div((w.real_delta + w.bonus_delta)::numeric * (-b.bonus_delta),
                                                     (-(b.real_delta + b.bonus_delta))::numeric) END)
            """
        ),
        (
            9,
            "every staff adjustment's money has its approved request, by someone else (an owner when it needed one), and every approval its money",
            // The transaction's metadata cannot change (invariant 4): who asked, who approved and
            // whether an owner had to are checked there, and the request row must still agree.
            """
            SELECT (SELECT count(*) FROM ledger_transactions x
                     WHERE x.idempotency_scope = 'adjustment_request'
                       AND (x.metadata->>'approvedBy' IS NOT DISTINCT FROM x.metadata->>'actor'
                            OR (x.metadata->>'ownerRequired' = 'true' AND x.metadata->>'approverOwner' IS DISTINCT FROM 'true')
                            OR NOT EXISTS (SELECT 1 FROM ledger_adjustment_requests r
                                            WHERE r.transaction_id = x.id AND r.state = 'approved' AND r.id::text = x.idempotency_key
                                              AND x.kind = 'adjustment' AND r.player_id = x.player_id AND r.currency = x.currency
                                              AND r.units = x.real_delta AND r.requested_by = x.metadata->>'actor'
                                              AND r.decided_by = x.metadata->>'approvedBy'
                                              AND r.requires_owner::text = x.metadata->>'ownerRequired'
                                              AND r.decided_at < r.expires_at)))
                 + (SELECT count(*) FROM ledger_adjustment_requests r
                     WHERE r.state = 'approved'
                       AND NOT EXISTS (SELECT 1 FROM ledger_transactions x
                                        WHERE x.id = r.transaction_id AND x.idempotency_scope = 'adjustment_request'))
            """
        ),
        (
            10,
            "every transfer names its transaction and two existing accounts, and every transaction a known currency and an "
                + "existing transaction as its reference",
            // What foreign keys checked on every bet until migrations 0050 and 0058 dropped them
            // from the append-only rows; the other invariants join through these references and
            // would not see a row whose reference leads nowhere.
            """
            SELECT (SELECT count(*) FROM ledger_transfers t
                     WHERE NOT EXISTS (SELECT 1 FROM ledger_transactions x WHERE x.id = t.transaction_id)
                        OR NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.debit_account_id)
                        OR NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.credit_account_id))
                 + (SELECT count(*) FROM ledger_transactions x
                     WHERE NOT EXISTS (SELECT 1 FROM ledger_currencies c WHERE c.code = x.currency))
                 + (SELECT count(*) FROM ledger_transactions x
                     WHERE x.reference_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.id = x.reference_id))
            """
        ),
    ]

    /// Runs every check in one read-only snapshot, inside the pool's transaction helper: a failing
    /// check rolls the transaction back, so its connection never returns to the pool mid-transaction.
    public func run() async throws -> [Finding] {
        try await database.withTransaction(logger: logger) { connection in
            // One snapshot for all checks, so that concurrent writes cannot look like violations.
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger).collect()
            var findings: [Finding] = []
            for (number, name, query) in Self.checks {
                let rows = try await connection.query(query, logger: logger)
                for try await count in rows.decode(Int.self) {
                    findings.append(Finding(invariant: number, name: name, violations: count))
                }
            }
            return findings
        }
    }
}
