import Core
import Foundation
import Identity
import Logging
import Persistence
import PostgresNIO

/// The KYC levels as data (`compliance_levels`) and each player's level
/// (`compliance_player_levels`; no row = L0), docs/compliance.md "Levels".
public struct KYCLevels: Sendable {
    let database: Database
    let audit: AuditLog
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.audit = AuditLog(database: database, logger: logger)
        self.logger = logger
    }

    /// Every level, L0 first.
    public func all() async throws -> [KYCLevel] {
        try await database.withConnection { connection in try await all(on: connection) }
    }

    func all(on connection: PostgresConnection) async throws -> [KYCLevel] {
        let rows = try await connection.query(
            """
            SELECT level, requirements, deposits_day::text, deposits_30_days::text, withdrawals_day::text, withdrawals_30_days::text,
                   updated_by, updated_at
              FROM compliance_levels ORDER BY level
            """, logger: logger)
        var levels: [KYCLevel] = []
        for try await (level, requirements, depositsDay, deposits30, withdrawalsDay, withdrawals30, by, at) in rows.decode(
            (Int16, [String], String?, String?, String?, String?, String, Date).self)
        {
            levels.append(
                KYCLevel(
                    level: Int(level), requirements: requirements.compactMap(KYCRequirement.init(rawValue:)),
                    limits: LevelLimits(
                        depositsDay: depositsDay.map(Self.trimmed), deposits30Days: deposits30.map(Self.trimmed),
                        withdrawalsDay: withdrawalsDay.map(Self.trimmed), withdrawals30Days: withdrawals30.map(Self.trimmed)),
                    updatedBy: by, updatedAt: at))
        }
        return levels
    }

    /// The player's level (0 when no application was ever approved).
    public func level(of player: PlayerID) async throws -> Int {
        try await database.withConnection { connection in try await level(of: player, on: connection) }
    }

    func level(of player: PlayerID, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query(
            "SELECT level FROM compliance_player_levels WHERE player_id = \(player.rawValue)", logger: logger)
        for try await level in rows.decode(Int16.self) { return Int(level) }
        return 0
    }

    /// Changes a level's requirements and limits (staff with `kyc.review` or `risk.manage`, as
    /// the App checks), audited as `compliance.level_changed` with the old and new values in the
    /// same transaction. Requirements stay cumulative: each level asks at least what the one
    /// below asks, and L0 asks only `emailConfirmed`.
    public func update(level: Int, requirements: [KYCRequirement], limits: LevelLimits, pivotScale: Int, staff: Int64) async throws {
        guard KYCLevel.range.contains(level) else { throw KYCLevelProblem.unknownLevel(level) }
        let wanted = Set(requirements).union([.emailConfirmed])
        if level == 0, wanted != [.emailConfirmed] { throw KYCLevelProblem.levelZeroRequirements }
        for text in [limits.depositsDay, limits.deposits30Days, limits.withdrawalsDay, limits.withdrawals30Days].compactMap({ $0 }) {
            guard (try? Amount.units(fromDecimal: text, scale: pivotScale)).map({ $0 >= 0 }) == true, !text.hasPrefix("-") else {
                throw KYCLevelProblem.badLimit(text)
            }
        }
        let ordered = KYCRequirement.allCases.filter(wanted.contains).map(\.rawValue)
        try await database.withTransaction(logger: logger) { connection in
            // Two staff saving neighbouring levels at once must not both pass the cumulative check.
            _ = try await connection.query("SELECT level FROM compliance_levels ORDER BY level FOR UPDATE", logger: logger).collect()
            let levels = try await all(on: connection)
            guard let old = levels.first(where: { $0.level == level }) else { throw KYCLevelProblem.unknownLevel(level) }
            if let below = levels.first(where: { $0.level == level - 1 }), !Set(below.requirements).isSubset(of: wanted) {
                throw KYCLevelProblem.requirementsNotCumulative(level: level)
            }
            if let above = levels.first(where: { $0.level == level + 1 }), !wanted.isSubset(of: Set(above.requirements)) {
                throw KYCLevelProblem.requirementsNotCumulative(level: level + 1)
            }
            _ = try await connection.query(
                """
                UPDATE compliance_levels
                   SET requirements = \(ordered), deposits_day = \(limits.depositsDay)::numeric,
                       deposits_30_days = \(limits.deposits30Days)::numeric, withdrawals_day = \(limits.withdrawalsDay)::numeric,
                       withdrawals_30_days = \(limits.withdrawals30Days)::numeric, updated_by = \("staff:\(staff)"), updated_at = now()
                 WHERE level = \(level)
                """, logger: logger
            ).collect()
            try await audit.append(
                AuditEntry(
                    actor: "staff:\(staff)", action: "compliance.level_changed", target: "kyc_level:\(level)",
                    summary: [
                        "old": KYCLevelRecord(old.requirements.map(\.rawValue), old.limits).text,
                        "new": KYCLevelRecord(ordered, limits).text,
                    ]), on: connection)
        }
    }

    /// Sets a player's level directly (staff, e.g. lowering it after a document expired or was
    /// found false), with a reason, audited as `compliance.player_level_set`. Raising a player
    /// normally goes through an application (`KYCApplications`), which checks the requirements.
    public func assign(level: Int, to player: PlayerID, staff: Int64, reason: String) async throws {
        guard KYCLevel.range.contains(level) else { throw KYCLevelProblem.unknownLevel(level) }
        try await database.withTransaction(logger: logger) { connection in
            try await PlayerLock.acquire(player, on: connection, logger: logger)
            let old = try await self.level(of: player, on: connection)
            try await set(level, of: player, by: "staff:\(staff)", on: connection)
            try await audit.append(
                AuditEntry(
                    actor: "staff:\(staff)", action: "compliance.player_level_set", target: "player:\(player.rawValue)",
                    summary: ["old": "L\(old)", "new": "L\(level)", "reason": String(reason.prefix(500))]), on: connection)
        }
    }

    func set(_ level: Int, of player: PlayerID, by setBy: String, on connection: PostgresConnection) async throws {
        _ = try await connection.query(
            """
            INSERT INTO compliance_player_levels (player_id, level, set_by) VALUES (\(player.rawValue), \(Int16(level)), \(setBy))
            ON CONFLICT (player_id) DO UPDATE SET level = EXCLUDED.level, set_by = EXCLUDED.set_by, set_at = now()
            """, logger: logger
        ).collect()
        try await ComplianceEvents.levelChanged(player.rawValue, to: level, on: connection, logger: logger)
    }

    /// `100.00000` → `100`, `0.50` → `0.5`: numeric's text without trailing zeros.
    static func trimmed(_ text: String) -> String {
        guard text.contains(".") else { return text }
        var result = text
        while result.hasSuffix("0") { result.removeLast() }
        if result.hasSuffix(".") { result.removeLast() }
        return result
    }
}

/// A level's settings as one line of the audit log.
struct KYCLevelRecord {
    let text: String

    init(_ requirements: [String], _ limits: LevelLimits) {
        let figures = [limits.depositsDay, limits.deposits30Days, limits.withdrawalsDay, limits.withdrawals30Days].map { $0 ?? "none" }
        text =
            "requirements=\(requirements.joined(separator: "+")) deposits=\(figures[0])/day,\(figures[1])/30d "
            + "withdrawals=\(figures[2])/day,\(figures[3])/30d"
    }
}
