import Core
import Foundation
import PostgresNIO

/// What other contexts may ask the ledger about an operation they keyed (a provider's bet, say).
extension Ledger {
    /// An applied operation, as its source keyed it.
    public struct RecordedOperation: Sendable, Equatable {
        public let kind: String
        public let player: PlayerID
        public let currency: String
        /// What the operation moved on the player's side (real and bonus together), never negative.
        public let units: Int64
        public let metadata: [String: String]
        /// When it was applied (the database's clock): a reversal is counted on the day of what
        /// it reverses.
        public let appliedAt: Date
    }

    /// Whether an operation was reversed, and how.
    public enum RollbackState: Sendable, Equatable {
        case notRolledBack
        /// A rollback reversed the applied operation.
        case rolledBack
        /// A rollback named the key before any operation had it, so the key is refused from now on.
        case refusedInAdvance
    }

    /// The operation applied under `key`; nil when there is none (refusals are not stored).
    public func operation(_ key: IdempotencyKey) async throws -> RecordedOperation? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT kind, player_id, currency, abs(real_delta + bonus_delta), metadata::text, created_at FROM ledger_transactions
                 WHERE idempotency_scope = \(key.scope) AND idempotency_key = \(key.key)
                """, logger: logger)
            for try await (kind, player, currency, units, metadata, appliedAt) in rows.decode(
                (String, Int64, String, Int64, String, Date).self)
            {
                return RecordedOperation(
                    kind: kind, player: PlayerID(player), currency: currency, units: units,
                    metadata: try JSONDecoder().decode([String: String].self, from: Data(metadata.utf8)), appliedAt: appliedAt)
            }
            return nil
        }
    }

    /// The keys of every operation of `kind` applied under the idempotency `scope`: for an
    /// auditor's check from the ledger back to its own context's rows (each must be claimed).
    public func keys(ofKind kind: String, scope: String) async throws -> Set<String> {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT idempotency_key FROM ledger_transactions WHERE idempotency_scope = \(scope) AND kind = \(kind)", logger: logger)
            var keys: Set<String> = []
            for try await key in rows.decode(String.self) { keys.insert(key) }
            return keys
        }
    }

    /// The rollback state of the operation keyed `key`, applied or not.
    public func rollbackState(of key: IdempotencyKey) async throws -> RollbackState {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT EXISTS (SELECT 1 FROM ledger_tombstones WHERE reference_scope = \(key.scope) AND reference_key = \(key.key)),
                       EXISTS (SELECT 1 FROM ledger_transactions r JOIN ledger_transactions b ON r.reference_id = b.id
                                WHERE b.idempotency_scope = \(key.scope) AND b.idempotency_key = \(key.key) AND r.kind = 'rollback')
                """, logger: logger)
            for try await (tombstoned, rolledBack) in rows.decode((Bool, Bool).self) {
                return tombstoned ? .refusedInAdvance : rolledBack ? .rolledBack : .notRolledBack
            }
            throw LedgerError.unexpectedResult("no row for the rollback state of \(key)")
        }
    }
}
