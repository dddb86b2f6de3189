import Foundation
import Logging
import Persistence
import PostgresNIO

/// Saved reports in PostgreSQL (`reporting_saved_reports`; docs/reports.md "Saved reports").
/// Changes run on the caller's connection, so the caller's audit row commits with them.
public struct SavedReports: Sendable {
    public let database: Database
    public let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    static let columns = "id, name, owner_staff_id, spec::text, relative_range, version, created_at, updated_at"

    /// Every saved report, by name.
    public func all() async throws -> [SavedReport] {
        try await database.withConnection { connection in
            try await Self.decode(
                connection.query("SELECT \(unescaped: Self.columns) FROM reporting_saved_reports ORDER BY lower(name), id", logger: logger))
        }
    }

    public func find(_ id: Int64) async throws -> SavedReport {
        try await database.withConnection { connection in try await Self.find(id, on: connection, logger: logger) }
    }

    /// The report, locked until the caller's transaction ends (its schedule changes with it).
    public func lock(_ id: Int64, on connection: PostgresConnection) async throws -> SavedReport {
        try await Self.find(id, on: connection, logger: logger, locking: true)
    }

    static func find(_ id: Int64, on connection: PostgresConnection, logger: Logger, locking: Bool = false) async throws -> SavedReport {
        let rows = try await connection.query(
            "SELECT \(unescaped: columns) FROM reporting_saved_reports WHERE id = \(id)\(unescaped: locking ? " FOR UPDATE" : "")",
            logger: logger)
        guard let report = try await decode(rows).first else { throw SavedReportRefusal.notFound }
        return report
    }

    public func create(_ draft: SavedReportDraft, owner: Int64, at now: Date, on connection: PostgresConnection) async throws -> SavedReport
    {
        let spec = try Self.checked(draft, at: now)
        return try await Self.namingOnce {
            let rows = try await connection.query(
                """
                INSERT INTO reporting_saved_reports (name, owner_staff_id, spec, relative_range, created_at, updated_at)
                VALUES (\(draft.name), \(owner), \(spec)::jsonb, \(draft.relativeRange?.rawValue), \(now), \(now))
                RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            guard let report = try await Self.decode(rows).first else { throw SavedReportRefusal.notFound }
            return report
        }
    }

    /// Replaces name, spec and range when `version` is the stored one.
    public func update(_ id: Int64, version: Int, with draft: SavedReportDraft, at now: Date, on connection: PostgresConnection)
        async throws -> SavedReport
    {
        let spec = try Self.checked(draft, at: now)
        let current = try await Self.find(id, on: connection, logger: logger, locking: true)
        guard current.version == version else { throw SavedReportRefusal.versionConflict }
        return try await Self.namingOnce {
            let rows = try await connection.query(
                """
                UPDATE reporting_saved_reports SET name = \(draft.name), spec = \(spec)::jsonb,
                       relative_range = \(draft.relativeRange?.rawValue), version = version + 1, updated_at = \(now)
                 WHERE id = \(id) RETURNING \(unescaped: Self.columns)
                """, logger: logger)
            guard let report = try await Self.decode(rows).first else { throw SavedReportRefusal.notFound }
            return report
        }
    }

    /// Deletes the report, its schedule and its runs; answers what was deleted.
    public func delete(_ id: Int64, on connection: PostgresConnection) async throws -> SavedReport {
        let rows = try await connection.query(
            "DELETE FROM reporting_saved_reports WHERE id = \(id) RETURNING \(unescaped: Self.columns)", logger: logger)
        guard let report = try await Self.decode(rows).first else { throw SavedReportRefusal.notFound }
        return report
    }

    /// The name's rules and the compiler's, on the spec as it would run now; the spec as JSON.
    static func checked(_ draft: SavedReportDraft, at now: Date) throws -> String {
        // Counted as PostgreSQL's length() counts, in code points (a flag is two).
        guard (1...120).contains(draft.name.unicodeScalars.count),
            !draft.name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw SavedReportRefusal.nameInvalid }
        let resolved = SavedReport(
            id: 0, name: draft.name, owner: 0, spec: draft.spec, relativeRange: draft.relativeRange, version: 1, createdAt: now,
            updatedAt: now
        ).spec(at: now)
        do {
            _ = try ReportCompiler.compile(resolved)
        } catch let refusal as ReportRefusal {
            throw SavedReportRefusal.spec(refusal)
        }
        return String(decoding: try JSONEncoder().encode(draft.spec), as: UTF8.self)
    }

    /// A name another report holds (the unique index on `lower(name)`) is `nameTaken`.
    static func namingOnce<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw SavedReportRefusal.nameTaken
        }
    }

    static func decode(_ rows: PostgresRowSequence) async throws -> [SavedReport] {
        var reports: [SavedReport] = []
        for try await (id, name, owner, spec, range, version, createdAt, updatedAt) in rows.decode(
            (Int64, String, Int64, String, String?, Int, Date, Date).self)
        {
            reports.append(
                SavedReport(
                    id: id, name: name, owner: owner, spec: try JSONDecoder().decode(ReportSpec.self, from: Data(spec.utf8)),
                    relativeRange: range.flatMap(RelativeRange.init(rawValue:)), version: version, createdAt: createdAt,
                    updatedAt: updatedAt))
        }
        return reports
    }
}
