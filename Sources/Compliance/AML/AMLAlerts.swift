import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// The alerts the engine raised (`compliance_aml_alerts`), for the console and the cases.
public struct AMLAlerts: Sendable {
    let database: Database
    let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public struct Filter: Sendable, Equatable {
        public var rule: AMLRuleCode?
        public var state: AMLAlert.State?
        public var player: PlayerID?
        public var caseID: Int64?

        public init(rule: AMLRuleCode? = nil, state: AMLAlert.State? = nil, player: PlayerID? = nil, caseID: Int64? = nil) {
            self.rule = rule
            self.state = state
            self.player = player
            self.caseID = caseID
        }
    }

    /// The newest alerts matching `filter`.
    public func list(_ filter: Filter = Filter(), limit: Int = 100) async throws -> [AMLAlert] {
        try await database.withConnection { connection in
            try await Self.list(
                """
                SELECT \(unescaped: Self.columns) FROM compliance_aml_alerts
                 WHERE (\(filter.rule?.rawValue)::text IS NULL OR rule_code = \(filter.rule?.rawValue))
                   AND (\(filter.state?.rawValue)::text IS NULL OR state = \(filter.state?.rawValue))
                   AND (\(filter.player?.rawValue)::bigint IS NULL OR player_id = \(filter.player?.rawValue))
                   AND (\(filter.caseID)::bigint IS NULL OR case_id = \(filter.caseID))
                 ORDER BY id DESC LIMIT \(limit)
                """, on: connection, logger: logger)
        }
    }

    public func alert(_ id: Int64) async throws -> AMLAlert? {
        try await database.withConnection { connection in
            try await Self.list(
                "SELECT \(unescaped: Self.columns) FROM compliance_aml_alerts WHERE id = \(id)", on: connection, logger: logger
            )
            .first
        }
    }

    /// A constant of this file, never input: the only text `unescaped:` puts into these queries.
    static let columns = """
        id, player_id, rule_code, blocking, source, summary, evidence::text, withdrawal_reference, case_id, state, raised_at
        """

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    static func list(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [AMLAlert] {
        let rows = try await connection.query(query, logger: logger)
        var alerts: [AMLAlert] = []
        for try await row in rows.decode((Int64, Int64, String, Bool, String, String, String, String?, Int64?, String, Date).self) {
            guard let rule = AMLRuleCode(rawValue: row.2) else { continue }
            alerts.append(
                AMLAlert(
                    id: row.0, player: PlayerID(row.1), rule: rule, blocking: row.3, source: AMLAlert.Source(rawValue: row.4) ?? .schedule,
                    summary: row.5, evidence: try decoder.decode(AMLEvidence.self, from: Data(row.6.utf8)), withdrawal: row.7,
                    caseID: row.8, state: AMLAlert.State(rawValue: row.9) ?? .open, raisedAt: row.10))
        }
        return alerts
    }

    static func alert(key: String, on connection: PostgresConnection, logger: Logger) async throws -> AMLAlert? {
        try await list(
            "SELECT \(unescaped: columns) FROM compliance_aml_alerts WHERE idempotency_key = \(key)", on: connection, logger: logger
        ).first
    }

    /// Inserts the alert unless its key exists (a concurrent twin won): then nil.
    static func insert(
        _ hit: AMLHit, key: String, player: PlayerID, source: AMLAlert.Source, withdrawal: String?, caseID: Int64,
        on connection: PostgresConnection, logger: Logger
    ) async throws -> AMLAlert? {
        let evidence = String(decoding: try encoder.encode(hit.evidence), as: UTF8.self)
        let summary = String(hit.summary.prefix(1000))
        return try await list(
            """
            INSERT INTO compliance_aml_alerts (player_id, rule_code, blocking, idempotency_key, source, summary, evidence,
                                               withdrawal_reference, case_id)
            VALUES (\(player.rawValue), \(hit.rule.rawValue), \(hit.blocking), \(key), \(source.rawValue), \(summary),
                    \(evidence)::jsonb, \(withdrawal), \(caseID))
            ON CONFLICT (idempotency_key) DO NOTHING
            RETURNING \(unescaped: columns)
            """, on: connection, logger: logger
        ).first
    }
}
