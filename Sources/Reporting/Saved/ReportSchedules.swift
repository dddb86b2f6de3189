import Foundation
import Logging
import Persistence
import PostgresNIO

/// Saved reports' schedules and their runs in PostgreSQL (`reporting_schedules`,
/// `reporting_schedule_runs`; docs/reports.md "Schedules"). A run is recorded once per (report,
/// due time) by `finish`, on the caller's connection, so the mail it queues commits with it.
public struct ReportSchedules: Sendable {
    public struct Run: Sendable, Equatable {
        public enum Outcome: String, Sendable {
            case sent, failed
        }

        public let dueAt: Date
        public let ranAt: Date
        public let outcome: Outcome
        /// The rows sent.
        public let rows: Int?
        /// Why it failed: a refusal's name, `reportingUnavailable`, ….
        public let detail: String

        public init(dueAt: Date, ranAt: Date, outcome: Outcome, rows: Int?, detail: String) {
            self.dueAt = dueAt
            self.ranAt = ranAt
            self.outcome = outcome
            self.rows = rows
            self.detail = detail
        }
    }

    public struct Entry: Sendable, Equatable {
        public let reportID: Int64
        public let schedule: ReportSchedule
        public let nextDueAt: Date
        public let lastRun: Run?
    }

    public let database: Database
    public let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Every schedule with its latest run, by report (or only `reportID`'s).
    public func all(of reportID: Int64? = nil) async throws -> [Int64: Entry] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT s.report_id, s.cadence, s.weekday, s.hour, s.time_zone, s.format, s.recipients, s.language, s.next_due_at,
                       r.due_at, r.ran_at, r.outcome, r.rows, r.detail
                  FROM reporting_schedules s
                  LEFT JOIN LATERAL (SELECT due_at, ran_at, outcome, rows, detail FROM reporting_schedule_runs
                                      WHERE report_id = s.report_id ORDER BY due_at DESC LIMIT 1) r ON true
                 WHERE \(reportID)::bigint IS NULL OR s.report_id = \(reportID)
                """, logger: logger)
            var entries: [Int64: Entry] = [:]
            for try await (id, cadence, weekday, hour, zone, format, recipients, language, next, due, ran, outcome, count, detail)
                in rows.decode(
                    (Int64, String, Int16?, Int16, String, String, [String], String, Date, Date?, Date?, String?, Int32?, String?).self)
            {
                let schedule = ReportSchedule(
                    cadence: .init(rawValue: cadence) ?? .daily, weekday: weekday.map(Int.init), hour: Int(hour), timeZone: zone,
                    format: .init(rawValue: format) ?? .csv, recipients: recipients, language: language)
                var run: Run?
                if let due, let ran, let outcome = outcome.flatMap(Run.Outcome.init(rawValue:)) {
                    run = Run(dueAt: due, ranAt: ran, outcome: outcome, rows: count.map(Int.init), detail: detail ?? "")
                }
                entries[id] = Entry(reportID: id, schedule: schedule, nextDueAt: next, lastRun: run)
            }
            return entries
        }
    }

    public func entry(of reportID: Int64) async throws -> Entry? { try await all(of: reportID)[reportID] }

    /// Sets (or replaces) a report's schedule; its next due time is the first after `now`.
    @discardableResult
    public func set(_ schedule: ReportSchedule, for reportID: Int64, by staff: Int64, at now: Date, on connection: PostgresConnection)
        async throws -> Date
    {
        let schedule = try schedule.validated()
        guard let next = schedule.nextDue(after: now) else { throw SavedReportRefusal.scheduleInvalid }
        do {
            try await connection.query(
                """
                INSERT INTO reporting_schedules (report_id, cadence, weekday, hour, time_zone, format, recipients, language, next_due_at,
                                                 updated_by, updated_at)
                VALUES (\(reportID), \(schedule.cadence.rawValue), \(schedule.weekday.map(Int16.init)), \(Int16(schedule.hour)),
                        \(schedule.timeZone), \(schedule.format.rawValue), \(schedule.recipients), \(schedule.language), \(next), \(staff), \(now))
                ON CONFLICT (report_id) DO UPDATE SET cadence = EXCLUDED.cadence, weekday = EXCLUDED.weekday, hour = EXCLUDED.hour,
                       time_zone = EXCLUDED.time_zone, format = EXCLUDED.format, recipients = EXCLUDED.recipients, language = EXCLUDED.language,
                       next_due_at = EXCLUDED.next_due_at, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
                """, logger: logger
            ).collect()
        } catch let error as PSQLError where error.sqlState == "23503" {
            throw SavedReportRefusal.notFound
        }
        return next
    }

    /// Removes a report's schedule (its past runs stay with the report); whether there was one.
    public func remove(for reportID: Int64, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "DELETE FROM reporting_schedules WHERE report_id = \(reportID) RETURNING report_id", logger: logger)
        return try await rows.collect().count == 1
    }

    /// Makes a report's schedule due at `now` (the console's "send now"); its regular due times
    /// follow once that run is recorded. Whether the report has a schedule.
    public func makeDue(_ reportID: Int64, at now: Date, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            "UPDATE reporting_schedules SET next_due_at = \(now) WHERE report_id = \(reportID) RETURNING report_id", logger: logger)
        return try await rows.collect().count == 1
    }

    /// Schedules due at `now`, the longest waiting first.
    public func due(at now: Date, limit: Int = 20) async throws -> [(reportID: Int64, dueAt: Date)] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT report_id, next_due_at FROM reporting_schedules WHERE next_due_at <= \(now)
                 ORDER BY next_due_at, report_id LIMIT \(limit)
                """, logger: logger)
            var due: [(reportID: Int64, dueAt: Date)] = []
            for try await (id, at) in rows.decode((Int64, Date).self) { due.append((id, at)) }
            return due
        }
    }

    /// Records `run` for the schedule's due time and moves the schedule to its next due time
    /// after `run.ranAt`, if that due time is still the schedule's and was not recorded yet (by
    /// another copy, or before a restart). False when nothing was recorded: then the caller
    /// queues nothing.
    public func finish(_ reportID: Int64, _ run: Run, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT cadence, weekday, hour, time_zone FROM reporting_schedules
             WHERE report_id = \(reportID) AND next_due_at = \(run.dueAt) FOR UPDATE
            """, logger: logger)
        var locked: (String, Int16?, Int16, String)?
        for try await row in rows.decode((String, Int16?, Int16, String).self) { locked = row }
        guard let (cadence, weekday, hour, zone) = locked else { return false }
        let schedule = ReportSchedule(
            cadence: .init(rawValue: cadence) ?? .daily, weekday: weekday.map(Int.init), hour: Int(hour), timeZone: zone, format: .csv,
            recipients: [], language: "en")
        let inserted = try await connection.query(
            """
            INSERT INTO reporting_schedule_runs (report_id, due_at, ran_at, outcome, rows, detail)
            VALUES (\(reportID), \(run.dueAt), \(run.ranAt), \(run.outcome.rawValue), \(run.rows.map(Int32.init)), \(String(run.detail.prefix(500))))
            ON CONFLICT (report_id, due_at) DO NOTHING RETURNING report_id
            """, logger: logger
        ).collect()
        guard inserted.count == 1 else { return false }
        // A zone the schedule was saved with is known; should it vanish, a day later is the least surprise.
        let next = schedule.nextDue(after: max(run.ranAt, run.dueAt)) ?? run.ranAt.addingTimeInterval(86_400)
        try await connection.query(
            "UPDATE reporting_schedules SET next_due_at = \(next) WHERE report_id = \(reportID)", logger: logger
        ).collect()
        return true
    }
}
