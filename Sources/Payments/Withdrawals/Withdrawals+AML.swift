import Compliance
import Core
import Foundation
import PostgresNIO

/// What a closed AML case does to the withdrawals Compliance held in `review` for AML (those
/// whose reason is one of `AMLReviewReason.codes`), on the case's connection and in its
/// transaction. Withdrawals in review for other reasons (no deposit, a debt) wait for staff.
extension Withdrawals: AMLHeldWithdrawals {
    /// Cleared: each moves on by the same threshold rules as a confirmation (approved up to the
    /// automatic threshold, else waiting for one or two approvals).
    public func release(player: PlayerID, staff: Int64, on connection: PostgresConnection) async throws -> [String] {
        var released: [String] = []
        for row in try await heldForAML(player, on: connection) {
            let (approvals, automatic) = try await approvalRule(for: row, on: connection)
            _ = try await connection.query(
                "UPDATE payments_withdrawals SET approvals_needed = \(approvals) WHERE public_id = \(row.id)", logger: logger)
            _ = try await records.move(row, to: automatic ? .approved : .pendingApproval, reason: nil, on: connection)
            released.append(row.id)
        }
        return released
    }

    /// Confirmed: each is rejected with `reason` (shown to the player) and its hold voided.
    public func reject(player: PlayerID, staff: Int64, reason: String, on connection: PostgresConnection) async throws -> [String] {
        var rejected: [String] = []
        for row in try await heldForAML(player, on: connection) {
            _ = try await records.end(row, as: .rejected, reason: WithdrawalNote(code: nil, text: reason), on: connection)
            rejected.append(row.id)
        }
        return rejected
    }

    private func heldForAML(_ player: PlayerID, on connection: PostgresConnection) async throws -> [Withdrawal] {
        try await WithdrawalRecords.list(
            """
            SELECT \(unescaped: WithdrawalRecords.columns) FROM payments_withdrawals
             WHERE player_id = \(player.rawValue) AND state = 'review' AND reason_code = ANY(\(AMLReviewReason.codes))
             ORDER BY id FOR UPDATE
            """, on: connection, logger: logger)
    }
}
