import Compliance
import Core
import Foundation
import Identity
import Ledger
import Logging
import Persistence
import PostgresNIO

/// The payout side (docs/payments.md, "Withdrawals"). An approved withdrawal is
/// marked `processing` (the player can no longer cancel) and committed before the gateway is
/// called, so a crash mid-call leaves a row reconciliation will ask about, never a payout
/// nobody knows of. The gateway's answer settles it: paid posts the hold (the fee to `fees`),
/// failed voids it, no answer leaves it `unknown` and held until the gateway's status says.
public struct Payouts: Sendable {
    let records: WithdrawalRecords
    let gateways: PaymentGateways
    let settings: WithdrawalSettings
    /// Compliance's answer to "may this player be paid now?" (an open AML case with a blocking alert says no).
    let holds: any AMLPayoutHolds
    /// Identity's answer whether staff blocked the player since the withdrawal was approved.
    let players: PlayerStatuses
    let logger: Logger

    public init(
        database: Database, ledger: Ledger, gateways: PaymentGateways, settings: WithdrawalSettings, holds: any AMLPayoutHolds,
        logger: Logger
    ) {
        self.records = WithdrawalRecords(database: database, ledger: ledger, logger: logger)
        self.gateways = gateways
        self.settings = settings
        self.holds = holds
        self.players = PlayerStatuses(database: database, logger: logger)
        self.logger = logger
    }

    var database: Database { records.database }

    /// How long a payout the gateway has no record of may still be on its way to it.
    static let notFoundGrace: TimeInterval = 10 * 60

    /// Sends the payouts of approved withdrawals, up to `limit`; returns how many were sent.
    public func sendApproved(limit: Int = 10) async throws -> Int {
        var sent = 0
        while sent < limit, let (row, payoutUnits) = try await claimApproved() {
            let status: PayoutStatus?
            var reference: String?
            if let gateway = try await gateways.gateway(row.gateway), let offered = gateway.capabilities.currency(row.currency) {
                do {
                    status = try await gateway.createPayout(
                        GatewayPayoutRequest(
                            withdrawalID: row.id, player: row.player, currency: offered, gatewayUnits: payoutUnits,
                            destination: row.destination))
                } catch {
                    logger.warning("a payout's outcome is unknown", metadata: ["withdrawal": "\(row.id)", "reason": "\(error)"])
                    status = nil
                    // What the gateway made before its answer was lost, so reconciliation can ask about it.
                    reference = (error as? GatewayUnavailable)?.reference
                }
            } else {
                logger.error("a payout's gateway is not configured", metadata: ["withdrawal": "\(row.id)", "gateway": "\(row.gateway)"])
                status = nil
            }
            _ = try await settle(row.id, with: status, reference: reference)
            sent += 1
        }
        return sent
    }

    /// Asks the gateways about payouts whose outcome is due for a check; returns how many.
    public func reconcileDue(limit: Int = 20, now: Date = Date()) async throws -> Int {
        let due = try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT public_id FROM payments_withdrawals
                 WHERE state IN ('processing', 'unknown') AND next_check_at <= \(now) ORDER BY next_check_at LIMIT \(limit)
                """, logger: logger)
            var ids: [String] = []
            for try await id in rows.decode(String.self) { ids.append(id) }
            return ids
        }
        for id in due {
            do {
                _ = try await reconcile(id)
            } catch {
                // One payout that cannot be settled now (the ledger refused, the database hiccuped)
                // must not hold up the others: it is asked about again later.
                logger.error("a payout could not be reconciled", metadata: ["withdrawal": "\(id)", "reason": "\(error)"])
                try await postpone(id)
            }
        }
        return due.count
    }

    /// Asks the gateway about one payout now (staff's "check now", and the schedule's).
    public func reconcile(_ id: String) async throws -> Withdrawal? {
        guard let row = try await records.withdrawal(id) else { return nil }
        guard row.state == .processing || row.state == .unknown else { return row }
        var status: PayoutStatus?
        if let gateway = try await gateways.gateway(row.gateway) {
            do {
                status = try await gateway.payoutStatus(withdrawalID: id, reference: try await reference(of: id))
            } catch {
                logger.warning("a payout's status could not be read", metadata: ["withdrawal": "\(id)", "reason": "\(error)"])
            }
        }
        return try await settle(id, with: status)
    }

    /// Claims the oldest approved withdrawal of a gateway that is switched on; those of a
    /// gateway switched off wait (the player may cancel them). One whose player Compliance holds
    /// (an open AML case with a blocking alert) goes back to `review` instead of being sent.
    private func claimApproved() async throws -> (Withdrawal, Int64)? {
        let active = try await gateways.active().map(\.code)
        return try await database.withTransaction(logger: logger) { connection -> (Withdrawal, Int64)? in
            var claimed: (String, Int64)?
            while claimed == nil {
                let rows = try await connection.query(
                    """
                    SELECT public_id, payout_gateway_units, player_id FROM payments_withdrawals
                     WHERE state = 'approved' AND gateway = ANY(\(active)) ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
                    """, logger: logger)
                var next: (String, Int64, Int64)?
                for try await row in rows.decode((String, Int64, Int64).self) { next = row }
                guard let (id, payoutUnits, player) = next else { return nil }
                if try await holds.holdsWithdrawals(of: PlayerID(player), on: connection) {
                    guard let row = try await records.locked(id, on: connection) else { continue }
                    _ = try await records.move(
                        row, to: .review, reason: WithdrawalNote(code: AMLReviewReason.openCase.code, text: AMLReviewReason.openCase.text),
                        on: connection)
                    logger.notice("a payout waits for an AML case", metadata: ["withdrawal": "\(id)"])
                    continue
                }
                // Blocked after the approval (an auto-approved one, or between approval and
                // payout): back to review, where no approval lets it out until the unblock.
                if try await players.status(of: PlayerID(player), on: connection)?.blocked == true {
                    guard let row = try await records.locked(id, on: connection) else { continue }
                    _ = try await records.move(row, to: .review, reason: .playerBlocked, on: connection)
                    logger.notice("a payout waits: the player is blocked", metadata: ["withdrawal": "\(id)"])
                    continue
                }
                claimed = (id, payoutUnits)
            }
            guard let (id, payoutUnits) = claimed else { return nil }
            let moved = try await WithdrawalRecords.list(
                """
                UPDATE payments_withdrawals
                   SET state = 'processing', sent_at = now(), updated_at = now(),
                       next_check_at = now() + make_interval(secs => \(settings.reconcileAfterSeconds))
                 WHERE public_id = \(id) RETURNING \(unescaped: WithdrawalRecords.columns)
                """, on: connection, logger: logger)
            return moved.first.map { ($0, payoutUnits) }
        }
    }

    /// The gateway's reference stored when it accepted the payout, nil while none is known.
    private func reference(of id: String) async throws -> String? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT gateway_reference FROM payments_withdrawals WHERE public_id = \(id)", logger: logger)
            for try await reference in rows.decode(String?.self) { return reference }
            return nil
        }
    }

    /// Applies what the gateway said (nil: nothing known; `reference`: what it made before its
    /// answer was lost) to a payout in `processing` or `unknown`; anything else is left as it is.
    private func settle(_ id: String, with status: PayoutStatus?, reference lostReference: String? = nil) async throws -> Withdrawal? {
        try await database.withTransaction(logger: logger) { connection in
            guard let row = try await records.locked(id, on: connection) else { return Withdrawal?.none }
            guard row.state == .processing || row.state == .unknown else { return row }
            switch status {
            case .paid(let reference):
                let posted = try await records.ledger.apply(
                    LedgerOperation(
                        key: WithdrawalRecords.postKey(row.id), player: row.player, currency: row.currency,
                        movement: .withdrawalPost(
                            hold: WithdrawalRecords.holdKey(row.id), gateway: .payments(row.gateway), fee: row.feeUnits),
                        metadata: ["withdrawal": row.id, "gateway": row.gateway, "reference": reference]),
                    on: connection)
                guard posted.code == .ok else { throw WithdrawalLedgerRefused(withdrawal: row.id, code: posted.code) }
                _ = try await connection.query(
                    "UPDATE payments_withdrawals SET gateway_reference = \(reference), next_check_at = NULL WHERE public_id = \(id)",
                    logger: logger
                )
                let paid = try await records.move(row, to: .paid, reason: nil, on: connection)
                try await records.publish("croupier.payments.withdrawal_paid", paid, on: connection)
                return paid
            case .failed(let reason):
                return try await records.end(row, as: .failed, reason: .payoutFailed(reason), on: connection)
            case .processing(let reference):
                try await checkLater(row, reference: reference, on: connection)
                return try await records.move(row, to: row.state, reason: nil, on: connection)
            case .notFound, nil:
                if status == .notFound, try await sentLongAgo(id, on: connection) {
                    return try await records.end(
                        row, as: .failed, reason: .noRecordAtGateway,
                        on: connection)
                }
                try await checkLater(row, reference: lostReference, on: connection)
                return try await records.move(
                    row, to: .unknown, reason: .unknownOutcome,
                    on: connection)
            }
        }
    }

    /// Next check after the configured delay, doubling with each check, at most an hour apart.
    private func checkLater(_ row: Withdrawal, reference: String?, on connection: PostgresConnection) async throws {
        _ = try await connection.query(Self.later(row.id, reference: reference, after: settings.reconcileAfterSeconds), logger: logger)
    }

    static func later(_ id: String, reference: String?, after seconds: Int) -> PostgresQuery {
        """
        UPDATE payments_withdrawals
           SET gateway_reference = coalesce(\(reference), gateway_reference), checks = checks + 1,
               next_check_at = now() + make_interval(secs => least(3600, \(seconds) * power(2, least(checks, 12))))
         WHERE public_id = \(id)
        """
    }

    private func postpone(_ id: String) async throws {
        try await database.withConnection { connection in
            _ = try await connection.query(Self.later(id, reference: nil, after: settings.reconcileAfterSeconds), logger: logger)
        }
    }

    private func sentLongAgo(_ id: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT coalesce(sent_at < now() - make_interval(secs => \(Self.notFoundGrace)), false) FROM payments_withdrawals
             WHERE public_id = \(id)
            """, logger: logger)
        for try await old in rows.decode(Bool.self) { return old }
        return false
    }
}
