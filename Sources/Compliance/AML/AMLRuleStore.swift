import Core
import Foundation
import Identity
import Logging
import Persistence
import PostgresNIO

/// Who does a staff action in Compliance, as the audit log records it (`staff:<id>`, the
/// request's client address and id).
public struct ComplianceActor: Sendable, Equatable {
    public let staffID: Int64
    public let ip: String
    public let requestID: String

    public init(staffID: Int64, ip: String = "", requestID: String = "") {
        self.staffID = staffID
        self.ip = ip
        self.requestID = requestID
    }

    func entry(_ action: String, target: String, summary: [String: String] = [:]) -> AuditEntry {
        AuditEntry(actor: "staff:\(staffID)", action: action, target: target, summary: summary, ip: ip, requestID: requestID)
    }
}

/// The AML rules' settings (`compliance_aml_rules`): read by the engine, edited by staff with
/// `risk.manage`, each change audited in the same transaction as `compliance.aml_rule_updated`.
public struct AMLRuleStore: Sendable {
    let database: Database
    let audit: AuditLog
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.audit = AuditLog(database: database, logger: logger)
        self.logger = logger
    }

    /// A constant of this file, never input: the only text `unescaped:` puts into these queries.
    static let columns = """
        code, enabled, blocking, threshold::text, window_hours, ratio::text, min_count, margin_percent, dormant_days, countries,
        updated_by, updated_at
        """

    /// Every rule, in the engine's order.
    public func all() async throws -> [AMLRule] {
        try await database.withConnection { connection in try await Self.all(on: connection, logger: logger) }
    }

    static func all(on connection: PostgresConnection, logger: Logger) async throws -> [AMLRule] {
        let rows = try await connection.query("SELECT \(unescaped: columns) FROM compliance_aml_rules", logger: logger)
        var rules: [AMLRule] = []
        for try await row in rows.decode((String, Bool, Bool, String?, Int?, String?, Int?, Int?, Int?, [String], String, Date).self) {
            guard let code = AMLRuleCode(rawValue: row.0) else { continue }
            rules.append(
                AMLRule(
                    code: code, enabled: row.1, blocking: row.2, threshold: row.3, windowHours: row.4, ratio: row.5, minCount: row.6,
                    marginPercent: row.7, dormantDays: row.8, countries: row.9, updatedBy: row.10, updatedAt: row.11))
        }
        let order = AMLRuleCode.allCases
        return rules.sorted { order.firstIndex(of: $0.code)! < order.firstIndex(of: $1.code)! }
    }

    /// The rules that run, by code.
    static func enabled(on connection: PostgresConnection, logger: Logger) async throws -> [AMLRuleCode: AMLRule] {
        Dictionary(uniqueKeysWithValues: try await all(on: connection, logger: logger).filter(\.enabled).map { ($0.code, $0) })
    }

    /// Stores a rule's new settings after checking each parameter it reads; audited with the
    /// settings before and after.
    public func update(_ rule: AMLRule, by actor: ComplianceActor) async throws(AMLRuleProblem) -> AMLRule {
        try Self.validate(rule)
        let countries = rule.countries.map { $0.uppercased() }
        do {
            return try await database.withTransaction(logger: logger) { connection in
                let before = try await Self.all(on: connection, logger: logger).first { $0.code == rule.code }
                let rows = try await connection.query(
                    """
                    UPDATE compliance_aml_rules
                       SET enabled = \(rule.enabled), blocking = \(rule.blocking), threshold = \(rule.threshold)::numeric,
                           window_hours = \(rule.windowHours), ratio = \(rule.ratio)::numeric, min_count = \(rule.minCount),
                           margin_percent = \(rule.marginPercent), dormant_days = \(rule.dormantDays), countries = \(countries),
                           updated_by = \("staff:\(actor.staffID)"), updated_at = now()
                     WHERE code = \(rule.code.rawValue)
                    RETURNING \(unescaped: Self.columns)
                    """, logger: logger)
                var updated: AMLRule?
                for try await row in rows.decode(
                    (String, Bool, Bool, String?, Int?, String?, Int?, Int?, Int?, [String], String, Date).self)
                {
                    updated = AMLRule(
                        code: rule.code, enabled: row.1, blocking: row.2, threshold: row.3, windowHours: row.4, ratio: row.5,
                        minCount: row.6, marginPercent: row.7, dormantDays: row.8, countries: row.9, updatedBy: row.10, updatedAt: row.11)
                }
                guard let updated else { throw AMLRuleProblem.unknownRule }
                try await audit.append(
                    actor.entry(
                        "compliance.aml_rule_updated", target: "aml_rule:\(rule.code.rawValue)",
                        summary: ["before": before.map(Self.describe) ?? "", "after": Self.describe(updated)]),
                    on: connection)
                return updated
            }
        } catch let problem as AMLRuleProblem {
            throw problem
        } catch {
            logger.error("an AML rule could not be saved", metadata: ["rule": "\(rule.code.rawValue)", "reason": "\(error)"])
            throw AMLRuleProblem.unknownRule
        }
    }

    /// One line of the settings, for the audit log.
    static func describe(_ rule: AMLRule) -> String {
        var parts = ["enabled=\(rule.enabled)", "blocking=\(rule.blocking)"]
        if let threshold = rule.threshold { parts.append("threshold=\(threshold)") }
        if let window = rule.windowHours { parts.append("window_hours=\(window)") }
        if let ratio = rule.ratio { parts.append("ratio=\(ratio)") }
        if let count = rule.minCount { parts.append("min_count=\(count)") }
        if let margin = rule.marginPercent { parts.append("margin_percent=\(margin)") }
        if let days = rule.dormantDays { parts.append("dormant_days=\(days)") }
        if !rule.countries.isEmpty { parts.append("countries=\(rule.countries.joined(separator: ","))") }
        return parts.joined(separator: " ")
    }

    /// Each parameter the rule reads must be set and within its bounds; the others must be empty.
    static func validate(_ rule: AMLRule) throws(AMLRuleProblem) {
        let reads = rule.code.parameters
        func check(_ parameter: AMLRuleParameter, _ present: Bool, _ valid: Bool) throws(AMLRuleProblem) {
            if reads.contains(parameter) ? !(present && valid) : present { throw .invalid(parameter) }
        }
        // Whole pivot units with up to 2 decimals, under 10^12 as the table's check says.
        let threshold = rule.threshold.flatMap { try? Amount.units(fromDecimal: $0, scale: 2) }
        try check(.threshold, rule.threshold != nil, (threshold ?? 0) > 0 && (threshold ?? 0) < 100_000_000_000_000)
        try check(.window, rule.windowHours != nil, (1...8784).contains(rule.windowHours ?? 0))
        let ratio = rule.ratio.flatMap { try? Amount.units(fromDecimal: $0, scale: 4) }
        try check(.ratio, rule.ratio != nil, ratio.map { (0...10_000_000).contains($0) } ?? false)
        try check(.count, rule.minCount != nil, (2...1000).contains(rule.minCount ?? 0))
        try check(.margin, rule.marginPercent != nil, (1...99).contains(rule.marginPercent ?? 0))
        try check(.dormantDays, rule.dormantDays != nil, (1...3660).contains(rule.dormantDays ?? 0))
        // An empty list is a valid list: the rule then fires for no one.
        let countriesValid = rule.countries.allSatisfy { $0.wholeMatch(of: /[A-Za-z]{2}/) != nil } && rule.countries.count <= 250
        if !countriesValid || (!reads.contains(.countries) && !rule.countries.isEmpty) { throw .invalid(.countries) }
    }
}
