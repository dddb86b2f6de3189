import Compliance
import Core
import Foundation
import PostgresNIO

/// What a closed AML case does to the player's withdrawals, on the case's connection and in its
/// transaction: cleared releases those Compliance held in `review` for AML (whose reason is one of
/// `AMLReviewReason.codes`; those in review for other reasons, no deposit or a debt, wait for
/// staff); confirmed rejects every one not yet sent to the gateway.
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

    /// Confirmed: every withdrawal of the player not yet sent to the gateway (in review for any
    /// reason, waiting for approval, approved) is rejected with `reason` (shown to the player) and
    /// its hold voided. An approved one passes through `review` first, the only way the state
    /// machine lets it be rejected.
    public func reject(player: PlayerID, staff: Int64, reason: String, on connection: PostgresConnection) async throws -> [String] {
        var rejected: [String] = []
        let open = try await WithdrawalRecords.list(
            """
            SELECT \(unescaped: WithdrawalRecords.columns) FROM payments_withdrawals
             WHERE player_id = \(player.rawValue) AND state IN ('review', 'pending_approval', 'approved')
             ORDER BY id FOR UPDATE
            """, on: connection, logger: logger)
        for row in open {
            let reviewable = row.state == .approved ? try await records.move(row, to: .review, reason: nil, on: connection) : row
            _ = try await records.end(reviewable, as: .rejected, reason: WithdrawalNote(code: nil, text: reason), on: connection)
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
