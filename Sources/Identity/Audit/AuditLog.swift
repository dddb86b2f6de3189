import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// One entry of the audit trail: who did what to what, with a before/after summary.
public struct AuditEntry: Sendable {
    public var actor: String
    public var action: String
    public var target: String
    public var summary: [String: String]
    public var ip: String
    public var requestID: String

    public init(
        actor: String, action: String, target: String = "", summary: [String: String] = [:], ip: String = "", requestID: String = ""
    ) {
        self.actor = actor
        self.action = action
        self.target = target
        self.summary = summary
        self.ip = ip
        self.requestID = requestID
    }
}

public struct AuditRecord: Sendable {
    public let id: Int64
    public let at: Date
    public let entry: AuditEntry
}

/// The append-only, hash-chained audit log (`identity_audit_log`). Appends go through
/// `identity_audit_append`, which extends the chain under a lock; `verify` recomputes it.
public struct AuditLog: Sendable {
    public let database: Database
    public let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    @discardableResult
    public func append(_ entry: AuditEntry) async throws -> Int64 {
        try await database.withConnection { connection in try await append(entry, on: connection) }
    }

    /// `append` inside the caller's transaction, so the row commits with what it describes.
    @discardableResult
    public func append(_ entry: AuditEntry, on connection: PostgresConnection) async throws -> Int64 {
        let rows = try await connection.query(
            """
            SELECT identity_audit_append(\(entry.actor), \(entry.action), \(entry.target), \(CanonicalJSON.object(entry.summary))::jsonb,
                                         \(entry.ip), \(entry.requestID))
            """, logger: logger)
        for try await id in rows.decode(Int64.self) { return id }
        throw AuditLogError.appendFailed
    }

    /// The chain's length and the first row whose hash or link does not verify.
    public func verify() async throws -> (rows: Int, firstBroken: Int64?) {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT (SELECT count(*) FROM identity_audit_log)::bigint,
                       (SELECT min(id) FROM (
                            SELECT id, hash, prev_hash, lag(hash, 1, '\\x'::bytea) OVER (ORDER BY id) AS expected_prev,
                                   sha256(prev_hash || identity_audit_content(at, actor, action, target, summary, ip, request_id)) AS recomputed
                              FROM identity_audit_log) chain
                         WHERE prev_hash <> expected_prev OR hash <> recomputed)
                """, logger: logger)
            for try await (count, broken) in rows.decode((Int64, Int64?).self) { return (Int(count), broken) }
            return (0, nil)
        }
    }

    public struct Filter: Sendable {
        public var actor: String?
        public var action: String?
        /// Exact match (`player:<id>`): the trail about one thing.
        public var target: String?
        public var before: Int64?
        public var limit: Int

        public init(actor: String? = nil, action: String? = nil, target: String? = nil, before: Int64? = nil, limit: Int = 50) {
            self.actor = actor
            self.action = action
            self.target = target
            self.before = before
            self.limit = limit
        }
    }

    /// Newest first; `actor` and `action` match by prefix.
    public func search(_ filter: Filter) async throws -> [AuditRecord] {
        let actorPattern = filter.actor.map { Self.likePrefix($0) }
        let actionPattern = filter.action.map { Self.likePrefix($0) }
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, at, actor, action, target, summary::text, ip, request_id FROM identity_audit_log
                 WHERE (\(actorPattern)::text IS NULL OR actor LIKE \(actorPattern))
                   AND (\(actionPattern)::text IS NULL OR action LIKE \(actionPattern))
                   AND (\(filter.target)::text IS NULL OR target = \(filter.target))
                   AND (\(filter.before)::bigint IS NULL OR id < \(filter.before))
                 ORDER BY id DESC LIMIT \(max(1, min(filter.limit, 200)))
                """, logger: logger)
            var records: [AuditRecord] = []
            for try await (id, at, actor, action, target, summary, ip, requestID) in rows.decode(
                (Int64, Date, String, String, String, String, String, String).self)
            {
                let parsed = (try? JSONDecoder().decode([String: String].self, from: Data(summary.utf8))) ?? [:]
                records.append(
                    AuditRecord(
                        id: id, at: at,
                        entry: AuditEntry(actor: actor, action: action, target: target, summary: parsed, ip: ip, requestID: requestID)))
            }
            return records
        }
    }

    /// `text%` with LIKE's own wildcards escaped, so a search for `a_b` finds only `a_b…`.
    static func likePrefix(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(
            of: "_", with: "\\_") + "%"
    }
}

public enum AuditLogError: Error, CustomStringConvertible {
    case appendFailed
    public var description: String { "the audit log did not return the appended row" }
}
