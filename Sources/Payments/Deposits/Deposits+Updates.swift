import Core
import Foundation
import Ledger
import Persistence
import PostgresNIO

/// A webhook's verdict that no retry can change: staff must look (the inbox keeps it `failed`).
public struct DepositNeedsStaff: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// The payload of `croupier.payments.deposit_completed` and `…deposit_failed`.
struct DepositEvent: Encodable, Sendable {
    let depositId: String
    let playerId: Int64
    let gateway: String
    let currency: String
    let units: Int64
    let state: String
    let firstDeposit: Bool
    let reason: String?
}

/// The payload of `croupier.payments.chargeback`: what this reversal took back, and how much of
/// the deposit is taken back in all.
struct ChargebackEvent: Encodable, Sendable {
    let depositId: String
    let playerId: Int64
    let gateway: String
    let currency: String
    let units: Int64
    let reversedUnits: Int64
    let depositUnits: Int64
    let kind: String
}

extension Deposits {
    /// Applies what a webhook said about a deposit, inside the caller's transaction on
    /// `connection` (the inbox marks the event processed in the same one). Returns what happened,
    /// in words for staff. A deposit only moves forward: a late "pending" after "completed", or a
    /// second "paid", changes nothing.
    func apply(_ update: DepositUpdate, gateway: String, on connection: PostgresConnection) async throws -> String {
        switch update {
        case .ignored(let reason):
            return "ignored: \(reason)"
        case .needsStaff(let reference, let reason):
            let row = try await locked(gateway: gateway, reference: reference, on: connection)
            throw DepositNeedsStaff(description: "\(row?.id ?? reference): \(reason)")
        case .unchanged(let reference, let reason):
            guard let row = try await locked(gateway: gateway, reference: reference, on: connection) else {
                throw DepositNotFoundYet(reference: reference)
            }
            return "\(row.id) unchanged: \(reason)"
        case .paid(let reference, let currency, let gatewayUnits):
            guard let row = try await locked(gateway: gateway, reference: reference, on: connection) else {
                throw DepositNotFoundYet(reference: reference)
            }
            switch row.state {
            case .completed: return "\(row.id) already completed"
            case .pending: break
            case .created, .failed, .expired:
                throw DepositNeedsStaff(description: "\(row.id) is \(row.state.rawValue) but the gateway says it was paid")
            }
            guard currency == row.currency, gatewayUnits == row.gatewayUnits else {
                throw DepositNeedsStaff(
                    description:
                        "\(row.id) asked \(row.gatewayUnits) \(row.currency) but the gateway says \(gatewayUnits) \(currency) was paid")
            }
            return try await complete(row, on: connection)
        case .failed(let reference, let reason):
            return try await end(gateway: gateway, reference: reference, as: .failed, reason: reason, on: connection)
        case .expired(let reference):
            return try await end(
                gateway: gateway, reference: reference, as: .expired, reason: "The payment page expired before it was paid.", on: connection
            )
        case .reversed(let reference, let kind, let gatewayUnits):
            guard let row = try await locked(gateway: gateway, reference: reference, on: connection) else {
                throw DepositNotFoundYet(reference: reference)
            }
            guard row.state == .completed else {
                throw DepositNeedsStaff(
                    description: "\(row.id) is \(row.state.rawValue) but the gateway says a \(kind.rawValue) took money back")
            }
            return try await reverse(row, kind: kind, gatewayUnits: gatewayUnits, on: connection)
        }
    }

    /// Takes back what the gateway's running totals say is gone, less what was taken before: a
    /// repeated, resent or late event finds nothing more to take. Refunds and disputes add up, to
    /// the deposit's amount at most. The ledger's `chargeback` takes it from real money only and
    /// books any shortfall as the player's debt, which their next deposits pay first.
    private func reverse(_ row: LockedDeposit, kind: DepositReversal, gatewayUnits: Int64, on connection: PostgresConnection)
        async throws -> String
    {
        // The deposit's own ratio of ledger to gateway units is exact (a power of ten).
        let (units, overflow) = gatewayUnits.multipliedReportingOverflow(by: row.units / row.gatewayUnits)
        guard gatewayUnits >= 0, !overflow else {
            throw DepositNeedsStaff(description: "\(row.id): the gateway reports an impossible \(kind.rawValue) of \(gatewayUnits)")
        }
        let totals = try await connection.query(
            """
            UPDATE payments_deposits
               SET refunded_units = CASE WHEN \(kind.rawValue) = 'refund' THEN greatest(refunded_units, \(units)) ELSE refunded_units END,
                   disputed_units = CASE WHEN \(kind.rawValue) = 'dispute' THEN greatest(disputed_units, \(units)) ELSE disputed_units END,
                   updated_at = now()
             WHERE public_id = \(row.id)
            RETURNING least(units, refunded_units + disputed_units), reversed_units
            """, logger: logger)
        var target: Int64 = 0
        var reversed: Int64 = 0
        for try await (total, before) in totals.decode((Int64, Int64).self) { (target, reversed) = (total, before) }
        guard target > reversed else { return "\(row.id) already reversed: \(reversed) units of \(row.currency) taken back" }
        // The player's withdrawals in this currency that wait for a decision or a payout go back to
        // review: paying them now could pay out money the gateway just took back. Done before the
        // ledger's lock is taken, in the order a payout's settlement takes them (withdrawal, then
        // the player's accounts).
        _ = try await connection.query(
            """
            UPDATE payments_withdrawals
               SET state = 'review', first_approver = NULL, second_approver = NULL, updated_at = now(),
                   reason = \(WithdrawalNote.chargebackReview.text), reason_code = \(WithdrawalNote.chargebackReview.code)
             WHERE player_id = \(row.player.rawValue) AND currency = \(row.currency) AND state IN ('pending_approval', 'approved')
            """, logger: logger)
        let outcome = try await ledger.apply(
            LedgerOperation(
                key: IdempotencyKey(scope: "payments", key: "deposit:\(row.id):reversal:\(target)"), player: row.player,
                currency: row.currency,
                movement: .chargeback(units: target - reversed, gateway: .payments(row.gateway), deposit: Self.creditKey(row.id)),
                metadata: ["deposit": row.id, "gateway": row.gateway, "reason": kind.rawValue]),
            on: connection)
        guard outcome.code == .ok else {
            throw DepositNeedsStaff(description: "the ledger refused \(row.id)'s \(kind.rawValue): \(outcome.code)")
        }
        _ = try await connection.query(
            "UPDATE payments_deposits SET reversed_units = \(target) WHERE public_id = \(row.id)", logger: logger)
        try await Outbox.append(
            subject: "croupier.payments.chargeback",
            payload: ChargebackEvent(
                depositId: row.id, playerId: row.player.rawValue, gateway: row.gateway, currency: row.currency, units: target - reversed,
                reversedUnits: target, depositUnits: row.units, kind: kind.rawValue),
            on: connection, logger: logger)
        return "\(row.id) \(kind.rawValue): took back \(target - reversed) units of \(row.currency) (\(target) of \(row.units) in all)"
    }

    private func complete(_ row: LockedDeposit, on connection: PostgresConnection) async throws -> String {
        let earlier = try await connection.query(
            "SELECT 1 FROM payments_deposits WHERE player_id = \(row.player.rawValue) AND state = 'completed' LIMIT 1", logger: logger)
        var first = true
        for try await _ in earlier { first = false }
        let outcome = try await ledger.apply(
            LedgerOperation(
                key: Self.creditKey(row.id), player: row.player, currency: row.currency,
                movement: .deposit(units: row.units, gateway: .payments(row.gateway)),
                metadata: ["deposit": row.id, "gateway": row.gateway]),
            on: connection)
        guard outcome.code == .ok else { throw DepositNeedsStaff(description: "the ledger refused \(row.id)'s credit: \(outcome.code)") }
        try await connection.query(
            """
            UPDATE payments_deposits SET state = 'completed', completed_at = now(), updated_at = now(), first_deposit = \(first)
             WHERE public_id = \(row.id)
            """, logger: logger)
        try await Outbox.append(
            subject: "croupier.payments.deposit_completed",
            payload: DepositEvent(
                depositId: row.id, playerId: row.player.rawValue, gateway: row.gateway, currency: row.currency, units: row.units,
                state: "completed", firstDeposit: first, reason: nil),
            on: connection, logger: logger)
        // The AML rules that look at deposits, in this transaction: the deposit counts from now.
        try await monitoring.depositCompleted(row.id, of: row.player, on: connection)
        try await tellObservers(
            CompletedDeposit(id: row.id, player: row.player, currency: row.currency, units: row.units, firstDeposit: first),
            on: connection)
        return "\(row.id) completed: credited \(row.units) units of \(row.currency)\(first ? " (first deposit)" : "")"
    }

    /// Each observer under a savepoint: one that fails is undone alone and logged, and the
    /// deposit completes all the same (a bonus is never worth a player's missing deposit).
    private func tellObservers(_ deposit: CompletedDeposit, on connection: PostgresConnection) async throws {
        for observer in observers {
            try await connection.query("SAVEPOINT deposit_observer", logger: logger).collect()
            do {
                try await observer.depositCompleted(deposit, on: connection)
                try await connection.query("RELEASE SAVEPOINT deposit_observer", logger: logger).collect()
            } catch {
                try await connection.query("ROLLBACK TO SAVEPOINT deposit_observer", logger: logger).collect()
                logger.error(
                    "a deposit observer failed; the deposit completes without it",
                    metadata: ["deposit": "\(deposit.id)", "observer": "\(type(of: observer))", "reason": "\(postgresReason(error))"])
            }
        }
    }

    private func end(gateway: String, reference: String, as state: Deposit.State, reason: String, on connection: PostgresConnection)
        async throws -> String
    {
        guard let row = try await locked(gateway: gateway, reference: reference, on: connection) else {
            throw DepositNotFoundYet(reference: reference)
        }
        guard row.state == .pending || row.state == .created else { return "\(row.id) already \(row.state.rawValue)" }
        try await connection.query(
            "UPDATE payments_deposits SET state = \(state.rawValue), reason = \(reason), updated_at = now() WHERE public_id = \(row.id)",
            logger: logger)
        try await Outbox.append(
            subject: "croupier.payments.deposit_failed",
            payload: DepositEvent(
                depositId: row.id, playerId: row.player.rawValue, gateway: row.gateway, currency: row.currency, units: row.units,
                state: state.rawValue, firstDeposit: false, reason: reason),
            on: connection, logger: logger)
        return "\(row.id) \(state.rawValue): \(reason)"
    }

    struct LockedDeposit {
        let id: String
        let player: PlayerID
        let gateway: String
        let currency: String
        let units: Int64
        let gatewayUnits: Int64
        let state: Deposit.State
    }

    private func locked(gateway: String, reference: String, on connection: PostgresConnection) async throws -> LockedDeposit? {
        let rows = try await connection.query(
            """
            SELECT public_id, player_id, currency, units, gateway_units, state FROM payments_deposits
             WHERE gateway = \(gateway) AND gateway_reference = \(reference) FOR UPDATE
            """, logger: logger)
        for try await (id, player, currency, units, gatewayUnits, state) in rows.decode((String, Int64, String, Int64, Int64, String).self)
        {
            return LockedDeposit(
                id: id, player: PlayerID(player), gateway: gateway, currency: currency, units: units, gatewayUnits: gatewayUnits,
                state: Deposit.State(rawValue: state) ?? .failed)
        }
        return nil
    }
}

/// A webhook about a payment no deposit names (yet): retried, since the deposit's reference may
/// still be on its way to the database.
struct DepositNotFoundYet: Error, CustomStringConvertible {
    let reference: String
    var description: String { "no deposit has the gateway reference \(reference)" }
}
