import Foundation
import Identity
import Persistence
import PostgresNIO
import Reporting

/// Saved reports and their schedules as staff change them (docs/reports.md "Saved reports"):
/// each change and its audit row commit in one transaction; a saved report runs with its range
/// resolved at the time of the run and its spec checked again by the compiler.
struct SavedReportLibrary: Sendable {
    let reports: Reports
    let saved: SavedReports
    let schedules: ReportSchedules
    let audit: AuditLog
    let now: @Sendable () -> Date

    var database: Database { saved.database }

    func create(_ draft: SavedReportDraft, by staff: StaffMember, ip: String, requestID: String) async throws -> SavedReport {
        try await audited(by: staff, ip: ip, requestID: requestID) { connection, at in
            let report = try await saved.create(draft, owner: staff.id, at: at, on: connection)
            return (report, report.id, AuditEntry.Change(action: "reports.saved", summary: ["name": report.name]))
        }
    }

    func update(_ id: Int64, version: Int, with draft: SavedReportDraft, by staff: StaffMember, ip: String, requestID: String)
        async throws -> SavedReport
    {
        try await audited(by: staff, ip: ip, requestID: requestID) { connection, at in
            let report = try await saved.update(id, version: version, with: draft, at: at, on: connection)
            let summary = ["name": report.name, "version": String(report.version)]
            return (report, id, AuditEntry.Change(action: "reports.updated", summary: summary))
        }
    }

    func delete(_ id: Int64, by staff: StaffMember, ip: String, requestID: String) async throws {
        try await audited(by: staff, ip: ip, requestID: requestID) { connection, _ in
            let report = try await saved.delete(id, on: connection)
            return ((), id, AuditEntry.Change(action: "reports.deleted", summary: ["name": report.name]))
        }
    }

    /// Sets the report's schedule; answers its next due time.
    func schedule(_ id: Int64, _ schedule: ReportSchedule, by staff: StaffMember, ip: String, requestID: String) async throws -> Date {
        try await audited(by: staff, ip: ip, requestID: requestID) { connection, at in
            let report = try await saved.lock(id, on: connection)
            let next = try await schedules.set(schedule, for: id, by: staff.id, at: at, on: connection)
            let summary = [
                "cadence": schedule.cadence.rawValue, "hour": String(schedule.hour), "timeZone": schedule.timeZone,
                "format": schedule.format.rawValue, "recipients": schedule.recipients.joined(separator: " "), "name": report.name,
            ]
            return (next, id, AuditEntry.Change(action: "reports.scheduled", summary: summary))
        }
    }

    func unschedule(_ id: Int64, by staff: StaffMember, ip: String, requestID: String) async throws {
        try await audited(by: staff, ip: ip, requestID: requestID) { connection, _ in
            let report = try await saved.lock(id, on: connection)
            guard try await schedules.remove(for: id, on: connection) else { throw SavedReportRefusal.notFound }
            return ((), id, AuditEntry.Change(action: "reports.unscheduled", summary: ["name": report.name]))
        }
    }

    /// Makes the report's schedule due now, so the schedules' job sends it within a round.
    func sendNow(_ id: Int64, by staff: StaffMember, ip: String, requestID: String) async throws {
        try await audited(by: staff, ip: ip, requestID: requestID) { connection, at in
            let report = try await saved.lock(id, on: connection)
            guard try await schedules.makeDue(id, at: at, on: connection) else { throw SavedReportRefusal.notFound }
            return ((), id, AuditEntry.Change(action: "reports.send_requested", summary: ["name": report.name]))
        }
    }

    /// Runs a saved report as it would run now (or at `time`, for a range resolved then); a spec
    /// the compiler no longer accepts is refused by its name.
    func run(_ report: SavedReport, at time: Date? = nil) async throws -> ReportRunner.Table {
        do {
            return try await reports.run(report.spec(at: time ?? now()))
        } catch let refusal as ReportRefusal {
            throw SavedReportRefusal.spec(refusal)
        }
    }

    /// Runs `change` and appends its audit row in one transaction; answers what `change` did.
    private func audited<T: Sendable>(
        by staff: StaffMember, ip: String, requestID: String,
        _ change: (PostgresConnection, Date) async throws -> (T, Int64, AuditEntry.Change)
    ) async throws -> T {
        let at = now()
        return try await database.withTransaction(logger: saved.logger) { connection in
            let (result, reportID, what) = try await change(connection, at)
            _ = try await audit.append(
                AuditEntry(
                    actor: "staff:\(staff.id)", action: what.action, target: "report:\(reportID)", summary: what.summary, ip: ip,
                    requestID: requestID), on: connection)
            return result
        }
    }
}

extension AuditEntry {
    /// What a saved report's change writes to the audit log.
    struct Change: Sendable {
        let action: String
        let summary: [String: String]
    }
}
