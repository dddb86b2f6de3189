import Core
import Foundation
import PostgresNIO

/// What a provider's call about an earlier operation needs to know, read in one statement: a
/// Hub88 win of 0 ("you lost") names its bet, moves nothing, and answers with the balance.
extension Ledger {
    public struct ReferenceView: Sendable, Equatable {
        /// The operation applied under the key; nil when there is none.
        public let operation: RecordedOperation?
        public let rollback: RollbackState
        /// The asking player's balances in the asked currency now (zero without accounts).
        public let balances: Balances
    }

    /// `operation(_:)`, `rollbackState(of:)` and the balances of `player` in `currency`, of one
    /// snapshot and in one round trip.
    public func referenceView(of key: IdempotencyKey, player: PlayerID, currency: String) async throws -> ReferenceView {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT t.kind, t.player_id, t.currency, abs(t.real_delta + t.bonus_delta), t.metadata::text, t.created_at,
                       EXISTS (SELECT 1 FROM ledger_tombstones WHERE reference_scope = \(key.scope) AND reference_key = \(key.key)),
                       EXISTS (SELECT 1 FROM ledger_transactions r WHERE r.reference_id = t.id AND r.kind = 'rollback'),
                       coalesce(sum(a.balance) FILTER (WHERE a.balance_kind = 'real'), 0)::bigint,
                       coalesce(sum(a.balance) FILTER (WHERE a.balance_kind = 'bonus'), 0)::bigint,
                       coalesce(sum(a.balance) FILTER (WHERE a.balance_kind = 'locked'), 0)::bigint
                  FROM (SELECT 1) AS one
                  LEFT JOIN ledger_transactions t ON t.idempotency_scope = \(key.scope) AND t.idempotency_key = \(key.key)
                  LEFT JOIN ledger_accounts a ON a.player_id = \(player.rawValue) AND a.currency = \(currency)
                 GROUP BY t.id
                """, logger: logger)
            for try await (kind, owner, operationCurrency, units, metadata, appliedAt, tombstoned, rolledBack, real, bonus, locked)
                in rows.decode((String?, Int64?, String?, Int64?, String?, Date?, Bool, Bool, Int64, Int64, Int64).self)
            {
                var operation: RecordedOperation?
                if let kind, let owner, let operationCurrency, let units, let metadata, let appliedAt {
                    operation = RecordedOperation(
                        kind: kind, player: PlayerID(owner), currency: operationCurrency, units: units,
                        metadata: try JSONDecoder().decode([String: String].self, from: Data(metadata.utf8)), appliedAt: appliedAt)
                }
                return ReferenceView(
                    operation: operation, rollback: tombstoned ? .refusedInAdvance : rolledBack ? .rolledBack : .notRolledBack,
                    balances: Balances(real: real, bonus: bonus, locked: locked))
            }
            throw LedgerError.unexpectedResult("no row for the view of \(key)")
        }
    }
}
