import Core
import Foundation
import Ledger
import Logging
import Persistence
import PostgresNIO

/// The withdrawals table and the moves every side shares (the player's, staff's and the
/// payouts'): reading and locking rows, moving a withdrawal along its states, voiding its hold,
/// and its events.
struct WithdrawalRecords: Sendable {
    let database: Database
    let ledger: Ledger
    let logger: Logger

    /// The ledger's keys: the hold, and its post or void, all named by the withdrawal's id.
    static func holdKey(_ id: String) -> IdempotencyKey { IdempotencyKey(scope: "payments", key: "withdrawal:\(id)") }
    static func postKey(_ id: String) -> IdempotencyKey { IdempotencyKey(scope: "payments", key: "withdrawal:\(id):post") }
    static func voidKey(_ id: String) -> IdempotencyKey { IdempotencyKey(scope: "payments", key: "withdrawal:\(id):void") }

    /// Voids the hold when there is one and ends the withdrawal as `state`.
    func end(_ row: Withdrawal, as state: Withdrawal.State, reason: WithdrawalNote, on connection: PostgresConnection) async throws
        -> Withdrawal
    {
        if row.state.holdsFunds {
            let voided = try await ledger.apply(
                LedgerOperation(
                    key: Self.voidKey(row.id), player: row.player, currency: row.currency,
                    movement: .withdrawalVoid(hold: Self.holdKey(row.id)),
                    metadata: ["withdrawal": row.id, "gateway": row.gateway]),
                on: connection)
            guard voided.code == .ok else { throw WithdrawalLedgerRefused(withdrawal: row.id, code: voided.code) }
        }
        let ended = try await move(row, to: state, reason: reason, on: connection)
        try await publish("croupier.payments.withdrawal_failed", ended, on: connection)
        return ended
    }

    func move(_ row: Withdrawal, to state: Withdrawal.State, reason: WithdrawalNote?, on connection: PostgresConnection) async throws
        -> Withdrawal
    {
        let rows = try await Self.list(
            """
            UPDATE payments_withdrawals
               SET state = \(state.rawValue), reason = \(reason?.text), reason_code = \(reason?.code), updated_at = now(),
                   settled_at = CASE WHEN \(state.settled) THEN now() END
             WHERE public_id = \(row.id) RETURNING \(unescaped: Self.columns)
            """, on: connection, logger: logger)
        guard let moved = rows.first else { throw WithdrawalRefusal.notFound }
        return moved
    }

    func publish(_ subject: String, _ withdrawal: Withdrawal, on connection: PostgresConnection) async throws {
        try await Outbox.append(
            subject: subject,
            payload: WithdrawalEvent(
                withdrawalId: withdrawal.id, playerId: withdrawal.player.rawValue, gateway: withdrawal.gateway,
                currency: withdrawal.currency,
                units: withdrawal.units, feeUnits: withdrawal.feeUnits, state: withdrawal.state.rawValue, reason: withdrawal.reason),
            on: connection, logger: logger)
    }

    // MARK: - Rows

    func locked(_ id: String, of player: PlayerID? = nil, on connection: PostgresConnection) async throws -> Withdrawal? {
        try await Self.list(
            """
            SELECT \(unescaped: Self.columns) FROM payments_withdrawals
             WHERE public_id = \(id) AND (\(player?.rawValue)::bigint IS NULL OR player_id = \(player?.rawValue)) FOR UPDATE
            """, on: connection, logger: logger
        ).first
    }

    /// A constant of this file, never input: the only text `unescaped:` puts into these queries.
    static let columns = """
        public_id, player_id, gateway, currency, units, fee_units, destination, state, reason, approvals_needed, first_approver,
        second_approver, created_at, settled_at, reason_code
        """

    static func list(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [Withdrawal] {
        var withdrawals: [Withdrawal] = []
        let rows = try await connection.query(query, logger: logger)
        for try await row in rows.decode(
            (String, Int64, String, String, Int64, Int64, String, String, String?, Int16, Int64?, Int64?, Date, Date?, String?).self)
        {
            withdrawals.append(
                Withdrawal(
                    id: row.0, player: PlayerID(row.1), gateway: row.2, currency: row.3, units: row.4, feeUnits: row.5, destination: row.6,
                    state: Withdrawal.State(rawValue: row.7) ?? .failed, reason: row.8, reasonCode: row.14, approvalsNeeded: Int(row.9),
                    approvers: [row.10, row.11].compactMap { $0 }, createdAt: row.12, settledAt: row.13))
        }
        return withdrawals
    }

    static func power(_ exponent: Int) -> Int64 { (0..<max(exponent, 0)).reduce(1) { value, _ in value * 10 } }

    /// Any player's withdrawal.
    func withdrawal(_ id: String) async throws -> Withdrawal? {
        try await database.withConnection { connection in
            try await Self.list(
                "SELECT \(unescaped: Self.columns) FROM payments_withdrawals WHERE public_id = \(id)", on: connection, logger: logger
            ).first
        }
    }
}

/// The payload of `croupier.payments.withdrawal_requested`, `…withdrawal_paid` and
/// `…withdrawal_failed` (which also carries rejections and cancellations, by `state`).
struct WithdrawalEvent: Encodable, Sendable {
    let withdrawalId: String
    let playerId: Int64
    let gateway: String
    let currency: String
    let units: Int64
    let feeUnits: Int64
    let state: String
    let reason: String?
}

/// The ledger refused to settle a hold this withdrawal owns: the books and the withdrawal
/// disagree, so the transaction is rolled back and staff must look.
public struct WithdrawalLedgerRefused: Error, CustomStringConvertible {
    public let withdrawal: String
    public let code: ResultCode
    public var description: String { "the ledger refused to settle \(withdrawal)'s hold: \(code)" }
}
