import Core
import Foundation
import Identity
import Ledger
import Logging
import Persistence
import PostgresNIO

/// AML cases (docs/compliance.md, "AML rules, alerts and cases"): a player's alerts gather in
/// their one open case; staff with `risk.manage` assign it, comment, attach and detach alerts,
/// freeze and unfreeze real money, and close it with an outcome. Every staff action is audited
/// in the same transaction as what it changes.
public struct AMLCases: AMLPayoutHolds {
    let database: Database
    let ledger: Ledger
    let audit: AuditLog
    let logger: Logger

    public init(database: Database, ledger: Ledger, logger: Logger) {
        self.database = database
        self.ledger = ledger
        self.audit = AuditLog(database: database, logger: logger)
        self.logger = logger
    }

    // MARK: - What the engine and Payments ask

    /// The player's open case, opened now when there is none (one per player: a unique index).
    /// It is locked `FOR SHARE` until the caller's transaction ends, so staff cannot close it
    /// under an alert joining it: a close in progress is waited for, and then a new case opens.
    static func openCase(for player: PlayerID, on connection: PostgresConnection, logger: Logger) async throws -> Int64 {
        for _ in 1...3 {
            _ = try await connection.query(
                """
                INSERT INTO compliance_cases (player_id) VALUES (\(player.rawValue))
                ON CONFLICT (player_id) WHERE state = 'open' DO NOTHING
                """, logger: logger)
            let rows = try await connection.query(
                "SELECT id FROM compliance_cases WHERE player_id = \(player.rawValue) AND state = 'open' FOR SHARE", logger: logger)
            for try await id in rows.decode(Int64.self) { return id }
        }
        throw AMLCaseRefusal.caseNotFound
    }

    /// Whether the player's withdrawals are held: an open case with a blocking alert, or a case
    /// closed as `confirmed` (the account is restricted for good). The case rows are read
    /// `FOR SHARE`, so a hold deciding now waits for a close in progress and sees its outcome.
    static func hasOpenBlockingCase(_ player: PlayerID, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT c.id FROM compliance_cases c
             WHERE c.player_id = \(player.rawValue)
               AND (c.outcome = 'confirmed'
                    OR (c.state = 'open' AND EXISTS (SELECT 1 FROM compliance_aml_alerts a WHERE a.case_id = c.id AND a.blocking)))
             FOR SHARE OF c
            """, logger: logger)
        for try await _ in rows.decode(Int64.self) { return true }
        return false
    }

    /// An open case with a blocking alert holds every withdrawal of its player (the payouts ask).
    public func holdsWithdrawals(of player: PlayerID, on connection: PostgresConnection) async throws -> Bool {
        try await Self.hasOpenBlockingCase(player, on: connection, logger: logger)
    }

    // MARK: - Reading

    /// A constant of this file, never input: the only text `unescaped:` puts into these queries.
    static let columns = """
        c.id, c.player_id, c.state,
        c.state = 'open' AND EXISTS (SELECT 1 FROM compliance_aml_alerts a WHERE a.case_id = c.id AND a.blocking),
        (SELECT count(*) FROM compliance_aml_alerts a WHERE a.case_id = c.id)::int, c.assignee, c.outcome, c.report_reference,
        c.closing_note, c.closed_by, c.opened_at, c.closed_at
        """

    static func list(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [AMLCase] {
        let rows = try await connection.query(query, logger: logger)
        var cases: [AMLCase] = []
        for try await row in rows.decode(
            (Int64, Int64, String, Bool, Int, Int64?, String?, String?, String?, Int64?, Date, Date?).self)
        {
            cases.append(
                AMLCase(
                    id: row.0, player: PlayerID(row.1), state: AMLCase.State(rawValue: row.2) ?? .open, blocking: row.3, alertCount: row.4,
                    assignee: row.5, outcome: row.6.flatMap(AMLCase.Outcome.init(rawValue:)), reportReference: row.7, closingNote: row.8,
                    closedBy: row.9, openedAt: row.10, closedAt: row.11))
        }
        return cases
    }

    /// Cases in `state` (all when nil), open ones first, newest first.
    public func list(state: AMLCase.State? = nil, player: PlayerID? = nil, limit: Int = 100) async throws -> [AMLCase] {
        try await database.withConnection { connection in
            try await Self.list(
                """
                SELECT \(unescaped: Self.columns) FROM compliance_cases c
                 WHERE (\(state?.rawValue)::text IS NULL OR c.state = \(state?.rawValue))
                   AND (\(player?.rawValue)::bigint IS NULL OR c.player_id = \(player?.rawValue))
                 ORDER BY c.state = 'open' DESC, c.id DESC LIMIT \(limit)
                """, on: connection, logger: logger)
        }
    }

    public func get(_ id: Int64) async throws -> AMLCase? {
        try await database.withConnection { connection in
            try await Self.list(
                "SELECT \(unescaped: Self.columns) FROM compliance_cases c WHERE c.id = \(id)", on: connection, logger: logger
            )
            .first
        }
    }

    public func comments(of id: Int64) async throws -> [AMLCaseComment] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT id, staff_id, body, created_at FROM compliance_case_comments WHERE case_id = \(id) ORDER BY id", logger: logger)
            var comments: [AMLCaseComment] = []
            for try await (id, staff, body, at) in rows.decode((Int64, Int64, String, Date).self) {
                comments.append(AMLCaseComment(id: id, staff: staff, body: body, at: at))
            }
            return comments
        }
    }

    static let freezeColumns = """
        id, player_id, case_id, currency, units, reason, frozen_by, frozen_at, unfrozen_by, unfrozen_at
        """

    static func freezes(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [ComplianceFreeze] {
        let rows = try await connection.query(query, logger: logger)
        var freezes: [ComplianceFreeze] = []
        for try await row in rows.decode((Int64, Int64, Int64?, String, Int64, String, Int64, Date, Int64?, Date?).self) {
            freezes.append(
                ComplianceFreeze(
                    id: row.0, player: PlayerID(row.1), caseID: row.2, currency: row.3, units: row.4, reason: row.5, frozenBy: row.6,
                    frozenAt: row.7, unfrozenBy: row.8, unfrozenAt: row.9))
        }
        return freezes
    }

    /// The player's freezes, newest first.
    public func freezes(of player: PlayerID) async throws -> [ComplianceFreeze] {
        try await database.withConnection { connection in
            try await Self.freezes(
                "SELECT \(unescaped: Self.freezeColumns) FROM compliance_freezes WHERE player_id = \(player.rawValue) ORDER BY id DESC",
                on: connection, logger: logger)
        }
    }

    // MARK: - Staff actions

    /// Assigns the open case to a staff member (nil: to nobody).
    public func assign(_ id: Int64, to assignee: Int64?, by actor: ComplianceActor) async throws {
        try await onOpenCase(id) { connection, _ in
            _ = try await connection.query("UPDATE compliance_cases SET assignee = \(assignee) WHERE id = \(id)", logger: logger)
            try await audit.append(
                actor.entry(
                    "compliance.case_assigned", target: "aml_case:\(id)", summary: ["assignee": assignee.map { "staff:\($0)" } ?? ""]),
                on: connection)
        }
    }

    /// A comment on the open case (a closed case's record stays as it was closed).
    public func comment(_ id: Int64, _ body: String, by actor: ComplianceActor) async throws {
        let body = body.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty, body.count <= 4000 else { throw AMLCaseRefusal.commentMissing }
        try await onOpenCase(id) { connection, _ in
            _ = try await connection.query(
                "INSERT INTO compliance_case_comments (case_id, staff_id, body) VALUES (\(id), \(actor.staffID), \(body))", logger: logger)
            try await audit.append(
                actor.entry("compliance.case_commented", target: "aml_case:\(id)", summary: ["comment": body]), on: connection)
        }
    }

    /// Attaches an open alert of the case's player (from another case of theirs, or none).
    public func attach(alert alertID: Int64, to id: Int64, by actor: ComplianceActor) async throws {
        try await onOpenCase(id) { connection, open in
            guard let alert = try await lockedAlert(alertID, on: connection) else { throw AMLCaseRefusal.alertNotFound }
            guard alert.player == open.player, alert.state == .open else { throw AMLCaseRefusal.alertNotAttachable }
            _ = try await connection.query("UPDATE compliance_aml_alerts SET case_id = \(id) WHERE id = \(alertID)", logger: logger)
            try await audit.append(
                actor.entry("compliance.alert_attached", target: "aml_case:\(id)", summary: ["alert": "\(alertID)"]), on: connection)
        }
    }

    /// Detaches an alert from the open case: it stays open on its own (a blocking one no longer
    /// holds the player's withdrawals through this case).
    public func detach(alert alertID: Int64, from id: Int64, by actor: ComplianceActor) async throws {
        try await onOpenCase(id) { connection, _ in
            guard let alert = try await lockedAlert(alertID, on: connection), alert.caseID == id else { throw AMLCaseRefusal.alertNotFound }
            _ = try await connection.query("UPDATE compliance_aml_alerts SET case_id = NULL WHERE id = \(alertID)", logger: logger)
            try await audit.append(
                actor.entry("compliance.alert_detached", target: "aml_case:\(id)", summary: ["alert": "\(alertID)"]), on: connection)
        }
    }

    /// Closes the open case with an outcome and a note (see `AMLCase.Outcome`); its alerts close
    /// with it. Payments' `withdrawals` releases or rejects the AML-held withdrawals in the same
    /// transaction; `confirmed` then freezes every real balance of the player.
    public func close(
        _ id: Int64, outcome: AMLCase.Outcome, note: String, reportReference: String? = nil, withdrawals: any AMLHeldWithdrawals,
        by actor: ComplianceActor
    ) async throws -> AMLCase {
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !note.isEmpty, note.count <= 2000 else { throw AMLCaseRefusal.noteMissing }
        let reference = reportReference?.trimmingCharacters(in: .whitespacesAndNewlines)
        if outcome == .reported, reference?.isEmpty ?? true { throw AMLCaseRefusal.reportReferenceMissing }
        return try await onOpenCase(id) { connection, open in
            _ = try await connection.query(
                """
                UPDATE compliance_cases
                   SET state = 'closed', outcome = \(outcome.rawValue), closing_note = \(note),
                       report_reference = \(outcome == .reported ? reference : nil), closed_by = \(actor.staffID), closed_at = now()
                 WHERE id = \(id)
                """, logger: logger)
            _ = try await connection.query("UPDATE compliance_aml_alerts SET state = 'closed' WHERE case_id = \(id)", logger: logger)
            var summary = ["outcome": outcome.rawValue, "note": note, "player": "\(open.player)"]
            switch outcome {
            case .cleared:
                let released = try await withdrawals.release(player: open.player, staff: actor.staffID, on: connection)
                summary["released"] = released.joined(separator: ",")
            case .confirmed:
                // Restricted: no more play or deposits (Identity), no withdrawal leaves (every
                // open one is rejected, and the confirmed case holds any later one), and the real
                // money is frozen.
                _ = try await PlayerStatuses(database: database, logger: logger).close(
                    open.player, reason: "compliance.aml_confirmed", actor: "staff:\(actor.staffID)", on: connection)
                let rejected = try await withdrawals.reject(
                    player: open.player, staff: actor.staffID, reason: "The casino closed this account's withdrawals after a review.",
                    on: connection)
                summary["rejected"] = rejected.joined(separator: ",")
                var frozen: [String] = []
                for (currency, units) in try await ledger.realBalances(of: open.player, on: connection).sorted(by: { $0.key < $1.key }) {
                    let freeze = try await freeze(
                        player: open.player, currency: currency, units: units, reason: "AML case \(id) confirmed", caseID: id,
                        actor: actor, on: connection)
                    frozen.append("\(freeze.id):\(currency):\(units)")
                }
                summary["frozen"] = frozen.joined(separator: ",")
            case .reported:
                summary["report_reference"] = reference ?? ""
            }
            try await audit.append(actor.entry("compliance.case_closed", target: "aml_case:\(id)", summary: summary), on: connection)
            guard
                let closed = try await Self.list(
                    "SELECT \(unescaped: Self.columns) FROM compliance_cases c WHERE c.id = \(id)", on: connection, logger: logger
                ).first
            else { throw AMLCaseRefusal.caseNotFound }
            return closed
        }
    }

    /// Freezes `units` of the player's real money in `currency` (`real → locked`), with a reason,
    /// optionally for a case; audited as `compliance.funds_frozen`.
    public func freeze(player: PlayerID, currency: String, units: Int64, reason: String, caseID: Int64?, by actor: ComplianceActor)
        async throws -> ComplianceFreeze
    {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 500 else { throw AMLCaseRefusal.reasonMissing }
        guard units > 0 else { throw AMLCaseRefusal.amountInvalid }
        return try await database.withTransaction(logger: logger) { connection in
            try await freeze(player: player, currency: currency, units: units, reason: reason, caseID: caseID, actor: actor, on: connection)
        }
    }

    private func freeze(
        player: PlayerID, currency: String, units: Int64, reason: String, caseID: Int64?, actor: ComplianceActor,
        on connection: PostgresConnection
    ) async throws -> ComplianceFreeze {
        guard
            let row = try await Self.freezes(
                """
                INSERT INTO compliance_freezes (player_id, case_id, currency, units, reason, frozen_by)
                VALUES (\(player.rawValue), \(caseID), \(currency), \(units), \(reason), \(actor.staffID))
                RETURNING \(unescaped: Self.freezeColumns)
                """, on: connection, logger: logger
            ).first
        else { throw AMLCaseRefusal.freezeNotFound }
        let outcome = try await ledger.apply(
            LedgerOperation(
                key: Self.freezeKey(row.id), player: player, currency: currency, movement: .freeze(units: units),
                metadata: ["reason": String(reason.prefix(500)), "freeze": "\(row.id)", "staff": "\(actor.staffID)"]
                    .merging(caseID.map { ["case": "\($0)"] } ?? [:]) { a, _ in a }),
            on: connection)
        switch outcome.code {
        case .ok: break
        case .insufficientFunds: throw AMLCaseRefusal.insufficientFunds
        default: throw AMLCaseRefusal.amountInvalid
        }
        try await audit.append(
            actor.entry(
                "compliance.funds_frozen", target: "player:\(player.rawValue)",
                summary: [
                    "freeze": "\(row.id)", "currency": currency, "units": "\(units)", "reason": reason,
                    "case": caseID.map { "\($0)" } ?? "",
                ]),
            on: connection)
        return row
    }

    /// Returns a freeze's money to real (`locked → real`), once; audited as `compliance.funds_unfrozen`.
    public func unfreeze(_ freezeID: Int64, by actor: ComplianceActor) async throws -> ComplianceFreeze {
        try await database.withTransaction(logger: logger) { connection in
            guard
                let row = try await Self.freezes(
                    "SELECT \(unescaped: Self.freezeColumns) FROM compliance_freezes WHERE id = \(freezeID) FOR UPDATE", on: connection,
                    logger: logger
                ).first
            else { throw AMLCaseRefusal.freezeNotFound }
            guard row.active else { throw AMLCaseRefusal.alreadyUnfrozen }
            let outcome = try await ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "compliance", key: "unfreeze:\(freezeID)"), player: row.player, currency: row.currency,
                    movement: .unfreeze(freeze: Self.freezeKey(freezeID)), metadata: ["freeze": "\(freezeID)", "staff": "\(actor.staffID)"]),
                on: connection)
            guard outcome.code == .ok else { throw AMLCaseRefusal.alreadyUnfrozen }
            guard
                let updated = try await Self.freezes(
                    """
                    UPDATE compliance_freezes SET unfrozen_by = \(actor.staffID), unfrozen_at = now() WHERE id = \(freezeID)
                    RETURNING \(unescaped: Self.freezeColumns)
                    """, on: connection, logger: logger
                ).first
            else { throw AMLCaseRefusal.freezeNotFound }
            try await audit.append(
                actor.entry(
                    "compliance.funds_unfrozen", target: "player:\(row.player.rawValue)",
                    summary: ["freeze": "\(freezeID)", "currency": row.currency, "units": "\(row.units)"]),
                on: connection)
            return updated
        }
    }

    static func freezeKey(_ id: Int64) -> IdempotencyKey { IdempotencyKey(scope: "compliance", key: "freeze:\(id)") }

    // MARK: - Helpers

    /// Runs `body` in a transaction with the case locked, refusing a case that is not open.
    private func onOpenCase<T: Sendable>(_ id: Int64, _ body: @escaping @Sendable (PostgresConnection, AMLCase) async throws -> T)
        async throws
        -> T
    {
        try await database.withTransaction(logger: logger) { connection in
            _ = try await connection.query("SELECT 1 FROM compliance_cases WHERE id = \(id) FOR UPDATE", logger: logger)
            guard
                let open = try await Self.list(
                    "SELECT \(unescaped: Self.columns) FROM compliance_cases c WHERE c.id = \(id)", on: connection, logger: logger
                ).first
            else { throw AMLCaseRefusal.caseNotFound }
            guard open.state == .open else { throw AMLCaseRefusal.caseClosed }
            return try await body(connection, open)
        }
    }

    private func lockedAlert(_ id: Int64, on connection: PostgresConnection) async throws -> AMLAlert? {
        try await AMLAlerts.list(
            "SELECT \(unescaped: AMLAlerts.columns) FROM compliance_aml_alerts WHERE id = \(id) FOR UPDATE", on: connection, logger: logger
        ).first
    }
}
