import Core
import Foundation
import Identity
import Logging
import Persistence
import PostgresNIO

/// How a player rises a level (docs/compliance.md "How a player rises a level"): they fill in the
/// profile and upload the documents the level needs, then submit an application; staff review it
/// (its profile fields and documents) and approve it (the player's level becomes the
/// application's, the documents it rests on approved), reject it with a reason the player sees,
/// or ask for another document. Every step is audited in its transaction. A date of birth under
/// 18, at submission or approval, closes the player (`UnderageFinding`).
public struct KYCApplications: Sendable {
    let database: Database
    let levels: KYCLevels
    let requirements: RequirementCheck
    let documents: KYCDocuments
    let players: PlayerStatuses
    let audit: AuditLog
    let logger: Logger
    let now: @Sendable () -> Date

    public static let adultAge = UnderageClosure.adultAge

    init(
        database: Database, levels: KYCLevels, requirements: RequirementCheck, documents: KYCDocuments, logger: Logger,
        now: @escaping @Sendable () -> Date
    ) {
        self.database = database
        self.levels = levels
        self.requirements = requirements
        self.documents = documents
        self.players = PlayerStatuses(database: database, logger: logger)
        self.audit = AuditLog(database: database, logger: logger)
        self.logger = logger
        self.now = now
    }

    /// The player asks for `level`: every requirement must be met or, for a document, uploaded.
    public func submit(player: PlayerID, level: Int) async throws -> SubmissionOutcome {
        guard KYCLevel.range.contains(level), level > 0 else { throw ApplicationRefusal.unknownLevel(level) }
        return try await database.withTransaction(logger: logger) { connection in
            try await PlayerLock.acquire(player, on: connection, logger: logger)
            let current = try await levels.level(of: player, on: connection)
            guard level > current else { throw ApplicationRefusal.notAboveCurrentLevel(current: current) }
            let open = try await connection.query(
                "SELECT 1 FROM compliance_applications WHERE player_id = \(player.rawValue) AND state IN ('pending', 'document_requested')",
                logger: logger
            ).collect()
            guard open.isEmpty else { throw ApplicationRefusal.alreadyOpen }
            guard let configured = try await levels.all(on: connection).first(where: { $0.level == level }) else {
                throw ApplicationRefusal.unknownLevel(level)
            }
            let statuses = try await requirements.statuses(of: player, for: configured.requirements, on: connection)
            let missing = statuses.filter { $0.state == .missing }.map(\.requirement)
            guard missing.isEmpty else { throw ApplicationRefusal.requirementsMissing(missing) }
            let id = ComplianceID.random("kyc")
            if let finding = try await underage(player, application: id, on: connection) {
                _ = try await insert(id, player: player, level: level, state: .rejected, reason: Self.underageReason, on: connection)
                try await close(finding, on: connection)
                return .closedUnderage(finding)
            }
            let application = try await insert(id, player: player, level: level, state: .pending, reason: nil, on: connection)
            try await audit.append(
                AuditEntry(
                    actor: "player:\(player.rawValue)", action: "compliance.application_submitted", target: "application:\(id)",
                    summary: ["level": "L\(level)"]), on: connection)
            return .submitted(application)
        }
    }

    /// Open applications waiting for staff, oldest first (`kyc.review`).
    public func queue(limit: Int = 100) async throws -> [KYCApplication] {
        try await list(
            "SELECT \(unescaped: Self.columns) FROM compliance_applications WHERE state = 'pending' ORDER BY id LIMIT \(max(1, min(limit, 500)))"
        )
    }

    /// The player's applications, newest first.
    public func applications(of player: PlayerID) async throws -> [KYCApplication] {
        try await list(
            "SELECT \(unescaped: Self.columns) FROM compliance_applications WHERE player_id = \(player.rawValue) ORDER BY id DESC")
    }

    /// An application with what staff review: the profile, the documents and each requirement.
    /// Staff member `staff` (`kyc.review`, checked by the App) sees the player's personal data,
    /// so each look is audited as `compliance.application_viewed`, as a document's bytes are.
    public func review(_ id: String, staff: Int64) async throws -> ApplicationReview {
        try await database.withTransaction(logger: logger) { connection in
            guard let application = try await application(id, on: connection, lock: false) else { throw ApplicationRefusal.notFound }
            let configured = try await levels.all(on: connection).first { $0.level == application.level }
            try await audit.append(
                AuditEntry(
                    actor: "staff:\(staff)", action: "compliance.application_viewed", target: "application:\(id)",
                    summary: ["player": String(application.player.rawValue)]), on: connection)
            return ApplicationReview(
                application: application, profile: try await requirements.profiles.profile(of: application.player, on: connection),
                documents: try await documents.documents(of: application.player, on: connection),
                requirements: try await requirements.statuses(
                    of: application.player, for: configured?.requirements ?? [], on: connection))
        }
    }

    /// Staff approve (`kyc.review`, checked by the App): the pending documents of the kinds the
    /// level needs are approved with it, then every requirement must be met, or nothing changes.
    public func approve(_ id: String, staff: Int64) async throws -> ApprovalOutcome {
        try await database.withTransaction(logger: logger) { connection in
            guard let found = try await application(id, on: connection, lock: false) else { throw ApplicationRefusal.notFound }
            try await PlayerLock.acquire(found.player, on: connection, logger: logger)
            guard let application = try await application(id, on: connection, lock: true), application.state == .pending else {
                throw ApplicationRefusal.notPending
            }
            let player = application.player
            guard let configured = try await levels.all(on: connection).first(where: { $0.level == application.level }) else {
                throw ApplicationRefusal.unknownLevel(application.level)
            }
            let kinds = Set(configured.requirements.compactMap(\.documentKind))
            for document in try await documents.documents(of: player, on: connection)
            where document.state == .pending && kinds.contains(document.kind) {
                _ = try await documents.review(document.id, to: .approved, reason: nil, staff: staff, on: connection)
            }
            let statuses = try await requirements.statuses(of: player, for: configured.requirements, on: connection)
            let unmet = statuses.filter { $0.state != .met }.map(\.requirement)
            guard unmet.isEmpty else { throw ApplicationRefusal.requirementsMissing(unmet) }
            if let finding = try await underage(player, application: id, on: connection) {
                let rejected = try await decide(
                    application, state: .rejected, reason: Self.underageReason, kind: nil, staff: staff, on: connection)
                try await audit.append(
                    AuditEntry(
                        actor: "staff:\(staff)", action: "compliance.application_rejected", target: "application:\(id)",
                        summary: ["level": "L\(rejected.level)", "reason": Self.underageReason]), on: connection)
                try await close(finding, on: connection)
                return .closedUnderage(finding)
            }
            let approved = try await decide(application, state: .approved, reason: nil, kind: nil, staff: staff, on: connection)
            let current = try await levels.level(of: player, on: connection)
            // An approval never lowers a player whom staff raised higher in the meantime.
            if application.level > current { try await levels.set(application.level, of: player, by: "application:\(id)", on: connection) }
            try await audit.append(
                AuditEntry(
                    actor: "staff:\(staff)", action: "compliance.application_approved", target: "application:\(id)",
                    summary: ["player": String(player.rawValue), "old": "L\(current)", "new": "L\(max(current, application.level))"]),
                on: connection)
            return .approved(approved)
        }
    }

    /// Staff reject with words the player sees.
    public func reject(_ id: String, reason: String, staff: Int64) async throws -> KYCApplication {
        let words = try Self.words(reason)
        return try await database.withTransaction(logger: logger) { connection in
            guard let application = try await application(id, on: connection, lock: true),
                [.pending, .documentRequested].contains(application.state)
            else { throw try await missingOrDecided(id, on: connection) }
            let rejected = try await decide(application, state: .rejected, reason: words, kind: nil, staff: staff, on: connection)
            try await audit.append(
                AuditEntry(
                    actor: "staff:\(staff)", action: "compliance.application_rejected", target: "application:\(id)",
                    summary: ["level": "L\(application.level)", "reason": words]), on: connection)
            return rejected
        }
    }

    /// Staff ask for another document of `kind`, with words the player sees; the application
    /// waits until the player uploads one, then returns to the queue.
    public func requestDocument(_ id: String, kind: DocumentKind, reason: String, staff: Int64) async throws -> KYCApplication {
        let words = try Self.words(reason)
        return try await database.withTransaction(logger: logger) { connection in
            guard let application = try await application(id, on: connection, lock: true), application.state == .pending else {
                throw try await missingOrDecided(id, on: connection)
            }
            let waiting = try await decide(application, state: .documentRequested, reason: words, kind: kind, staff: staff, on: connection)
            try await audit.append(
                AuditEntry(
                    actor: "staff:\(staff)", action: "compliance.document_requested", target: "application:\(id)",
                    summary: ["kind": kind.rawValue, "reason": words]), on: connection)
            return waiting
        }
    }

    // MARK: - Steps

    static let underageReason = "The date of birth given is under 18: the account is closed."

    /// The finding when the player's date of birth is under 18 now.
    private func underage(_ player: PlayerID, application: String, on connection: PostgresConnection) async throws -> UnderageFinding? {
        UnderageClosure.finding(
            player, dateOfBirth: try await requirements.profiles.profile(of: player, on: connection).dateOfBirth, source: application,
            at: now())
    }

    private func close(_ finding: UnderageFinding, on connection: PostgresConnection) async throws {
        try await UnderageClosure(players: players, audit: audit, logger: logger).close(finding, on: connection)
    }

    private func insert(
        _ id: String, player: PlayerID, level: Int, state: KYCApplication.State, reason: String?, on connection: PostgresConnection
    ) async throws -> KYCApplication {
        let reviewed: Date? = state == .pending ? nil : now()
        let rows = try await connection.query(
            """
            INSERT INTO compliance_applications (public_id, player_id, level, state, reason, reviewed_at)
            VALUES (\(id), \(player.rawValue), \(Int16(level)), \(state.rawValue), \(reason), \(reviewed))
            RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        guard let application = try await Self.applications(rows).first else { throw ApplicationRefusal.notFound }
        return application
    }

    private func decide(
        _ application: KYCApplication, state: KYCApplication.State, reason: String?, kind: DocumentKind?, staff: Int64,
        on connection: PostgresConnection
    ) async throws -> KYCApplication {
        let rows = try await connection.query(
            """
            UPDATE compliance_applications SET state = \(state.rawValue), reason = \(reason), requested_kind = \(kind?.rawValue),
                   reviewed_by = \(staff), reviewed_at = now()
             WHERE public_id = \(application.id) RETURNING \(unescaped: Self.columns)
            """, logger: logger)
        guard let decided = try await Self.applications(rows).first else { throw ApplicationRefusal.notFound }
        return decided
    }

    private func application(_ id: String, on connection: PostgresConnection, lock: Bool) async throws -> KYCApplication? {
        let query: PostgresQuery =
            lock
            ? "SELECT \(unescaped: Self.columns) FROM compliance_applications WHERE public_id = \(id) FOR UPDATE"
            : "SELECT \(unescaped: Self.columns) FROM compliance_applications WHERE public_id = \(id)"
        return try await Self.applications(try await connection.query(query, logger: logger)).first
    }

    private func missingOrDecided(_ id: String, on connection: PostgresConnection) async throws -> ApplicationRefusal {
        try await application(id, on: connection, lock: false) == nil ? .notFound : .notPending
    }

    private static func words(_ reason: String) throws -> String {
        let words = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...1000).contains(words.count) else { throw ApplicationRefusal.reasonMissing }
        return words
    }

    private func list(_ query: PostgresQuery) async throws -> [KYCApplication] {
        try await database.withConnection { connection in try await Self.applications(try await connection.query(query, logger: logger)) }
    }

    // MARK: - Rows

    /// A constant of this file, never input: the only text `unescaped:` puts into these queries.
    static let columns = "public_id, player_id, level, state, reason, requested_kind, created_at, reviewed_at"

    static func applications(_ rows: PostgresRowSequence) async throws -> [KYCApplication] {
        var applications: [KYCApplication] = []
        for try await (id, player, level, state, reason, kind, created, reviewed) in rows.decode(
            (String, Int64, Int16, String, String?, String?, Date, Date?).self)
        {
            applications.append(
                KYCApplication(
                    id: id, player: PlayerID(player), level: Int(level), state: KYCApplication.State(rawValue: state) ?? .pending,
                    reason: reason, requestedKind: kind.flatMap(DocumentKind.init(rawValue:)), createdAt: created, reviewedAt: reviewed))
        }
        return applications
    }
}
