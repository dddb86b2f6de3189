import Compliance
import Core
import Foundation
import Identity
import Ledger
import Logging
import Persistence
import PostgresNIO

/// Withdrawals (docs/payments.md): the player asks, confirms with a code mailed to them, and the
/// funds are held (`real → locked`) in the same transaction that asks Compliance whether the
/// withdrawal may proceed and decides whether staff must approve it. The payout then posts the
/// hold (paid), voids it (failed) or keeps it (outcome unknown until reconciliation).
public struct Withdrawals: Sendable {
    let records: WithdrawalRecords
    let gateways: PaymentGateways
    let stepUp: StepUpCodes
    let screening: any WithdrawalScreening
    let limits: any MovementLimits
    let settings: WithdrawalSettings
    let logger: Logger
    /// Other contexts' reasons to refuse a request (a running bonus), composed by App.
    let gates: [any WithdrawalGate]
    /// Identity's answer whether staff blocked the player.
    let players: PlayerStatuses

    /// The step-up code's purpose: a code for one withdrawal confirms nothing else.
    static let purpose = "withdrawal"

    public init(
        database: Database, ledger: Ledger, gateways: PaymentGateways, stepUp: StepUpCodes, screening: any WithdrawalScreening,
        limits: any MovementLimits, settings: WithdrawalSettings, logger: Logger, gates: [any WithdrawalGate] = []
    ) {
        self.gates = gates
        self.players = PlayerStatuses(database: database, logger: logger)
        self.records = WithdrawalRecords(database: database, ledger: ledger, logger: logger)
        self.gateways = gateways
        self.stepUp = stepUp
        self.screening = screening
        self.limits = limits
        self.settings = settings
        self.logger = logger
    }

    var database: Database { records.database }
    var ledger: Ledger { records.ledger }

    /// Records a withdrawal of `amount` (decimal text, the fee included) and mails the player a
    /// code to confirm it; nothing is held yet. An older request still waiting for its code is
    /// cancelled: one open question at a time.
    public func request(player: PlayerID, gateway code: String, amount: String, currency: String, destination rawDestination: String)
        async throws -> Withdrawal
    {
        guard let gateway = try await gateways.active(code) else { throw WithdrawalRefusal.unknownGateway(code) }
        guard gateway.capabilities.payouts else { throw WithdrawalRefusal.gatewayTakesNoPayouts(code) }
        guard let offered = gateway.capabilities.currency(currency), offered.payouts,
            let ledgerCurrency = try await ledger.currencies()[currency], ledgerCurrency.scale >= offered.exponent
        else { throw WithdrawalRefusal.unsupportedCurrency(currency) }
        let units: Int64
        let fee: Int64
        do throws(GatewayAmountProblem) {
            units = try GatewayAmount.ledgerUnits(try GatewayAmount.gatewayUnits(amount, in: offered), from: offered, to: ledgerCurrency)
            fee = try GatewayAmount.ledgerUnits(offered.payoutFeeUnits, from: offered, to: ledgerCurrency)
        } catch {
            throw WithdrawalRefusal.amount(error)
        }
        // The destination must receive something: at least one unit more than the fee.
        guard units > fee else {
            throw WithdrawalRefusal.amount(.belowMinimum(GatewayAmount.text(offered.payoutFeeUnits + 1, offered)))
        }
        // A staff block closes withdrawals; a closure (under 18) leaves the player their money.
        if try await players.status(of: player)?.blocked == true { throw WithdrawalRefusal.playerBlocked }
        for gate in gates {
            if let refusal = try await gate.refusal(player: player, currency: currency) { throw refusal }
        }
        let destination = rawDestination.trimmingCharacters(in: .whitespaces)
        if let problem = gateway.destinationProblem(destination, currency: currency) { throw WithdrawalRefusal.destinationInvalid(problem) }
        // Money a refund or dispute left owing is not the player's to take out.
        let owed = try await ledger.debts(of: player)[currency] ?? 0
        let available = max(0, (try await ledger.balances(of: player)[currency]?.real ?? 0) - owed)
        let perGatewayUnit = WithdrawalRecords.power(ledgerCurrency.scale - offered.exponent)
        guard units <= available else {
            // What the method could pay: the balance cut to its decimals.
            throw WithdrawalRefusal.aboveWithdrawable(available: GatewayAmount.text(available / perGatewayUnit, offered))
        }
        let payout = (units - fee) / perGatewayUnit
        let id = PublicID.random("wdr")
        let rows = try await database.withTransaction(logger: logger) { connection in
            // One request of a player at a time, so that the older request still waiting for its
            // code is always seen and cancelled.
            _ = try await connection.query(
                "SELECT pg_advisory_xact_lock(hashtextextended('payments.withdrawal_request:' || \(player.rawValue)::text, 0))",
                logger: logger)
            _ = try await connection.query(
                """
                UPDATE payments_withdrawals SET state = 'cancelled', reason = \(WithdrawalNote.replacedByNewer.text),
                       reason_code = \(WithdrawalNote.replacedByNewer.code), settled_at = now(),
                       updated_at = now()
                 WHERE player_id = \(player.rawValue) AND state = 'awaiting_confirmation'
                """, logger: logger
            )
            // Compliance's KYC limits, under its player lock (shared with deposits and the hold
            // at confirmation) until this transaction ends. Thrown, so the cancellation above is
            // rolled back too: a refused request writes nothing.
            if let refusal = try await limits.admit(
                player: player, direction: .withdrawal, currency: currency, units: units, on: connection)
            {
                throw WithdrawalRefusal(refusal)
            }
            let inserted = try await WithdrawalRecords.list(
                """
                INSERT INTO payments_withdrawals (public_id, player_id, gateway, currency, units, fee_units, payout_gateway_units, destination)
                VALUES (\(id), \(player.rawValue), \(code), \(currency), \(units), \(fee), \(payout), \(destination))
                RETURNING \(unescaped: WithdrawalRecords.columns)
                """, on: connection, logger: logger)
            try await sendCode(player: player, id: id, on: connection)
            return inserted
        }
        guard let withdrawal = rows.first else { throw WithdrawalRefusal.notFound }
        return withdrawal
    }

    /// Mails a new code for a withdrawal still waiting for one (at most once a minute).
    public func resendCode(_ id: String, of player: PlayerID) async throws {
        try await database.withTransaction(logger: logger) { connection in
            guard let row = try await records.locked(id, of: player, on: connection) else { throw WithdrawalRefusal.notFound }
            guard row.state == .awaitingConfirmation else { throw WithdrawalRefusal.notCancellable }
            try await sendCode(player: player, id: id, on: connection)
        }
    }

    private func sendCode(player: PlayerID, id: String, on connection: PostgresConnection) async throws {
        do {
            try await stepUp.send(to: player, purpose: Self.purpose, subject: id, on: connection)
        } catch StepUpError.sendTooSoon {
            throw WithdrawalRefusal.codeSendTooSoon
        }
    }

    /// Checks the code and, when it is right, holds the funds and decides where the withdrawal
    /// goes next: `review` when Compliance asks for it, `approved` up to the automatic threshold,
    /// `pending_approval` above it. A confirmed withdrawal is returned as it is, `changed` false.
    public func confirm(_ id: String, of player: PlayerID, code: String) async throws -> (withdrawal: Withdrawal, changed: Bool) {
        let result: Result<(withdrawal: Withdrawal, changed: Bool), WithdrawalRefusal> = try await database.withTransaction(
            logger: logger
        ) { connection in
            guard let row = try await records.locked(id, of: player, on: connection) else { return .failure(.notFound) }
            guard row.state == .awaitingConfirmation else { return .success((row, false)) }
            switch try await stepUp.confirm(player: player, purpose: Self.purpose, subject: id, code: code, on: connection) {
            case .failure(.codeLocked): return .failure(.codeLocked)
            case .failure: return .failure(.codeInvalid)
            case .success: break
            }
            guard try await gateways.active(row.gateway) != nil else {
                let ended = try await records.move(
                    row, to: .failed, reason: .gatewaySwitchedOff, on: connection)
                return .success((ended, true))
            }
            // Checked again before the hold: staff may have lowered the level's limits, or the
            // rate moved, since the request. A withdrawal waiting for its code is not in the sum
            // (Payments' history leaves it out), so this one is added here once.
            if let refusal = try await limits.admit(
                player: row.player, direction: .withdrawal, currency: row.currency, units: row.units, on: connection)
            {
                let refused = WithdrawalRefusal(refusal)
                _ = try await records.move(row, to: .failed, reason: .refusedAtConfirmation(refused), on: connection)
                return .failure(refused)
            }
            // A block between the request and its code stops it too.
            if try await players.status(of: row.player, on: connection)?.blocked == true {
                _ = try await records.move(row, to: .failed, reason: .refusedAtConfirmation(.playerBlocked), on: connection)
                return .failure(.playerBlocked)
            }
            // And the gates: a bonus granted between the request and its code still stops it.
            for gate in gates {
                if let refused = try await gate.refusal(player: row.player, currency: row.currency) {
                    _ = try await records.move(row, to: .failed, reason: .refusedAtConfirmation(refused), on: connection)
                    return .failure(refused)
                }
            }
            return .success((try await hold(row, on: connection), true))
        }
        return try result.get()
    }

    private func hold(_ row: Withdrawal, on connection: PostgresConnection) async throws -> Withdrawal {
        let held = try await ledger.apply(
            LedgerOperation(
                key: WithdrawalRecords.holdKey(row.id), player: row.player, currency: row.currency,
                movement: .withdrawalHold(units: row.units),
                metadata: ["withdrawal": row.id, "gateway": row.gateway]),
            on: connection)
        guard held.code == .ok else {
            let reason: WithdrawalNote = held.code == .insufficientFunds ? .balanceFell : .ledgerRefused(held.code.rawValue)
            return try await records.move(row, to: .failed, reason: reason, on: connection)
        }
        let deposits = try await connection.query(
            """
            SELECT count(*) FROM payments_deposits WHERE player_id = \(row.player.rawValue) AND currency = \(row.currency) AND state = 'completed'
            """, logger: logger)
        var completed = 0
        for try await count in deposits.decode(Int.self) { completed = count }
        let verdict = try await screening.screen(
            WithdrawalFacts(
                player: row.player, gateway: row.gateway, currency: row.currency, units: row.units, completedDeposits: completed,
                debtUnits: try await ledger.debts(of: row.player)[row.currency] ?? 0, reference: row.id, destination: row.destination,
                requestedAt: row.createdAt),
            on: connection)
        let (approvals, automatic) = try await approvalRule(for: row, on: connection)
        _ = try await connection.query(
            "UPDATE payments_withdrawals SET approvals_needed = \(approvals), confirmed_at = now() WHERE public_id = \(row.id)",
            logger: logger
        )
        let next: Withdrawal.State
        var reason: WithdrawalNote?
        if case .review(let code, let why) = verdict {
            next = .review
            reason = WithdrawalNote(code: code, text: why)
        } else {
            next = automatic ? .approved : .pendingApproval
        }
        let moved = try await records.move(row, to: next, reason: reason, on: connection)
        try await records.publish("croupier.payments.withdrawal_requested", moved, on: connection)
        return moved
    }

    /// How many staff must approve `row` (2 from the four-eyes threshold) and whether it is
    /// approved without them (one approval needed and at most the automatic threshold).
    func approvalRule(for row: Withdrawal, on connection: PostgresConnection) async throws -> (approvals: Int, automatic: Bool) {
        let scale = try await ledger.currencies()[row.currency]?.scale ?? 0
        // A configured threshold finer than the currency's scale reads as none: the safe side (staff, two of them).
        let threshold = { (amounts: [String: String]) in amounts[row.currency].flatMap { try? Amount.units(fromDecimal: $0, scale: scale) }
        }
        // The thresholds weigh this withdrawal with the player's others still open or paid in the
        // last 24 hours, so splitting a sum into parts does not slip under them.
        let others = try await connection.query(
            """
            SELECT coalesce(sum(units), 0)::bigint FROM payments_withdrawals
             WHERE player_id = \(row.player.rawValue) AND currency = \(row.currency) AND public_id <> \(row.id)
               AND (state IN ('review', 'pending_approval', 'approved', 'processing', 'unknown')
                    OR (state = 'paid' AND settled_at > now() - interval '24 hours'))
            """, logger: logger)
        var weighed = row.units
        for try await sum in others.decode(Int64.self) { weighed = weighed.addingReportingOverflow(sum).partialValue }
        // A currency without a threshold is treated as above it: people look, two of them.
        let fourEyes = threshold(settings.fourEyesFrom).map { weighed >= $0 } ?? true
        let approvals = fourEyes ? 2 : 1
        return (approvals, approvals == 1 && threshold(settings.autoApproveUpTo).map { weighed <= $0 } ?? false)
    }

    /// Cancels a withdrawal the payout has not started for, returning held funds.
    public func cancel(_ id: String, of player: PlayerID) async throws -> (withdrawal: Withdrawal, changed: Bool) {
        try await database.withTransaction(logger: logger) { connection in
            guard let row = try await records.locked(id, of: player, on: connection) else { throw WithdrawalRefusal.notFound }
            if row.state == .cancelled { return (row, false) }
            guard row.state.cancellable else { throw WithdrawalRefusal.notCancellable }
            return (
                try await records.end(
                    row, as: .cancelled, reason: .cancelledByPlayer, on: connection), true
            )
        }
    }

    /// The player's withdrawal, or nil when there is none with this id for this player.
    public func withdrawal(_ id: String, of player: PlayerID) async throws -> Withdrawal? {
        try await database.withConnection { connection in
            try await WithdrawalRecords.list(
                "SELECT \(unescaped: WithdrawalRecords.columns) FROM payments_withdrawals WHERE public_id = \(id) AND player_id = \(player.rawValue)",
                on: connection, logger: logger
            ).first
        }
    }

    /// The player's latest withdrawals, newest first.
    public func recent(of player: PlayerID, limit: Int = 20) async throws -> [Withdrawal] {
        try await database.withConnection { connection in
            try await WithdrawalRecords.list(
                """
                SELECT \(unescaped: WithdrawalRecords.columns) FROM payments_withdrawals WHERE player_id = \(player.rawValue) ORDER BY id DESC LIMIT \(limit)
                """, on: connection, logger: logger)
        }
    }

}

extension WithdrawalRefusal {
    init(_ refusal: MovementRefusal) {
        switch refusal {
        case .limitReached(let limit): self = .limitReached(limit)
        case .rateMissing(let currency): self = .rateMissing(currency)
        }
    }
}
