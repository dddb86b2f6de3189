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
            let statement = ReferenceViewStatement(scope: key.scope, key: key.key, player: player.rawValue, currency: currency)
            for try await (kind, owner, operationCurrency, units, metadata, appliedAt, tombstoned, rolledBack, real, bonus, locked)
                in try await connection.execute(statement, logger: logger)
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
