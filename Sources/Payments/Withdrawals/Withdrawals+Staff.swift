import Core
import Foundation
import Ledger
import PostgresNIO

/// What an approval did.
public enum ApprovalOutcome: Sendable, Equatable {
    /// Approved: the payout goes out next.
    case approved(Withdrawal)
    /// The first of two approvals is recorded; another staff member must approve too.
    case awaitingSecondApprover(Withdrawal)
}

/// Why staff could not act on a withdrawal.
public enum WithdrawalStaffRefusal: Error, Sendable, Equatable {
    case notFound
    /// Not waiting for a decision (approved already, paid, cancelled by the player, ...).
    case notAwaitingDecision(Withdrawal.State)
    /// Four eyes: the second approval must come from someone else.
    case sameApprover
    case reasonMissing
    /// Staff blocked the player after the withdrawal was confirmed: no approval lets the money
    /// out (reject it, which returns the money to the blocked balance, or wait for the unblock).
    case playerBlocked

    public var code: String {
        switch self {
        case .notFound: "withdrawalNotFound"
        case .notAwaitingDecision: "withdrawalNotAwaitingDecision"
        case .sameApprover: "secondApproverRequired"
        case .reasonMissing: "reasonRequired"
        case .playerBlocked: "playerBlocked"
        }
    }
}

/// The staff side (docs/payments.md, "Withdrawals"): the queue, approvals (two different people
/// above the four-eyes threshold) and rejections with a reason the player sees.
extension Withdrawals {
    /// Withdrawals waiting for people (`review`, `pending_approval`) or for the gateway, oldest first.
    public func queue(limit: Int = 100) async throws -> [Withdrawal] {
        try await database.withConnection { connection in
            try await WithdrawalRecords.list(
                """
                SELECT \(unescaped: WithdrawalRecords.columns) FROM payments_withdrawals
                 WHERE state IN ('review', 'pending_approval', 'approved', 'processing', 'unknown') ORDER BY id LIMIT \(limit)
                """, on: connection, logger: logger)
        }
    }

    /// Every player's latest withdrawals, newest first.
    public func latest(limit: Int = 50) async throws -> [Withdrawal] {
        try await database.withConnection { connection in
            try await WithdrawalRecords.list(
                "SELECT \(unescaped: WithdrawalRecords.columns) FROM payments_withdrawals ORDER BY id DESC LIMIT \(limit)", on: connection,
                logger: logger)
        }
    }

    /// Any player's withdrawal.
    public func withdrawal(_ id: String) async throws -> Withdrawal? { try await records.withdrawal(id) }

    public func approve(_ id: String, by staff: Int64) async throws -> ApprovalOutcome {
        try await database.withTransaction(logger: logger) { connection in
            guard let row = try await records.locked(id, on: connection) else { throw WithdrawalStaffRefusal.notFound }
            guard row.state == .review || row.state == .pendingApproval else { throw WithdrawalStaffRefusal.notAwaitingDecision(row.state) }
            guard !row.approvers.contains(staff) else { throw WithdrawalStaffRefusal.sameApprover }
            if try await players.status(of: row.player, on: connection)?.blocked == true { throw WithdrawalStaffRefusal.playerBlocked }
            _ = try await connection.query(
                """
                UPDATE payments_withdrawals
                   SET first_approver = coalesce(first_approver, \(staff)),
                       second_approver = CASE WHEN first_approver IS NULL THEN NULL ELSE \(staff) END, updated_at = now()
                 WHERE public_id = \(id)
                """, logger: logger
            )
            if row.approvers.count + 1 >= row.approvalsNeeded {
                return .approved(try await records.move(row, to: .approved, reason: nil, on: connection))
            }
            return .awaitingSecondApprover(try await records.move(row, to: .pendingApproval, reason: nil, on: connection))
        }
    }

    /// Rejects a withdrawal waiting for a decision and returns the held funds; the reason is
    /// shown to the player.
    public func reject(_ id: String, by staff: Int64, reason: String) async throws -> Withdrawal {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty else { throw WithdrawalStaffRefusal.reasonMissing }
        return try await database.withTransaction(logger: logger) { connection in
            guard let row = try await records.locked(id, on: connection) else { throw WithdrawalStaffRefusal.notFound }
            guard row.state == .review || row.state == .pendingApproval else { throw WithdrawalStaffRefusal.notAwaitingDecision(row.state) }
            return try await records.end(row, as: .rejected, reason: WithdrawalNote(code: nil, text: reason), on: connection)
        }
    }
}
