import Foundation
import Persistence
import TestSupport
import Testing

@testable import Reporting

/// Saved reports and schedules in PostgreSQL (docs/reports.md "Saved reports", "Schedules"):
/// refusals by name, optimistic versions, and a due time recorded once whoever records it.
@Suite struct SavedReportsTests {
    static let spec = ReportSpec(
        measures: ["ggr"], filters: [.init(dimension: "currency", values: ["EUR"])], from: .init("2026-11-01"), to: .init("2026-11-30"))
    static let now = ISO8601DateFormatter().date(from: "2026-12-05T12:00:00Z") ?? Date()

    func create(_ store: SavedReports, _ draft: SavedReportDraft) async throws -> SavedReport {
        try await store.database.withTransaction(logger: store.logger) { try await store.create(draft, owner: 7, at: Self.now, on: $0) }
    }

    @Test func reportsAreSavedUpdatedByVersionAndRefusedByName() async throws {
        try await TestDatabase.with { database in
            let store = SavedReports(database: database, logger: TestServices.logger)
            let report = try await create(store, SavedReportDraft(name: "  Daily GGR ", spec: Self.spec, relativeRange: .yesterday))
            #expect(report.name == "Daily GGR" && report.version == 1 && report.owner == 7)
            #expect(try await store.find(report.id) == report)
            #expect(report.spec(at: Self.now).from.text == "2026-12-04", "yesterday, resolved when run")

            await #expect(throws: SavedReportRefusal.nameTaken) {
                try await create(store, SavedReportDraft(name: "daily ggr", spec: Self.spec))
            }
            await #expect(throws: SavedReportRefusal.nameInvalid) { try await create(store, SavedReportDraft(name: " ", spec: Self.spec)) }
            let unknown = ReportSpec(measures: ["ggr; DROP TABLE x"], from: .init("2026-11-01"), to: .init("2026-11-02"))
            await #expect(throws: SavedReportRefusal.spec(.unknownMeasure("ggr; DROP TABLE x"))) {
                try await create(store, SavedReportDraft(name: "Hostile", spec: unknown))
            }

            let renamed = try await database.withTransaction(logger: store.logger) {
                try await store.update(report.id, version: 1, with: SavedReportDraft(name: "GGR", spec: Self.spec), at: Self.now, on: $0)
            }
            #expect(renamed.version == 2 && renamed.relativeRange == nil && renamed.name == "GGR")
            await #expect(throws: SavedReportRefusal.versionConflict) {
                try await database.withTransaction(logger: store.logger) {
                    try await store.update(
                        report.id, version: 1, with: SavedReportDraft(name: "Stale", spec: Self.spec), at: Self.now, on: $0)
                }
            }
            _ = try await database.withTransaction(logger: store.logger) { try await store.delete(report.id, on: $0) }
            await #expect(throws: SavedReportRefusal.notFound) { try await store.find(report.id) }
            #expect(try await store.all().isEmpty)
        }
    }

    @Test func aDueTimeIsRecordedOnceAndTheScheduleMovesToItsNextDay() async throws {
        try await TestDatabase.with { database in
            let store = SavedReports(database: database, logger: TestServices.logger)
            let schedules = ReportSchedules(database: database, logger: TestServices.logger)
            let report = try await create(store, SavedReportDraft(name: "Mornings", spec: Self.spec, relativeRange: .yesterday))
            let schedule = ReportSchedule(
                cadence: .daily, weekday: nil, hour: 7, timeZone: "Europe/Moscow", format: .xlsx, recipients: ["cfo@casino.example"],
                language: "ru")
            let due = try await database.withTransaction(logger: schedules.logger) {
                try await schedules.set(schedule, for: report.id, by: 7, at: Self.now, on: $0)
            }
            #expect(due == ISO8601DateFormatter().date(from: "2026-12-06T04:00:00Z"), "07:00 in Moscow")
            #expect(try await schedules.due(at: Self.now).isEmpty)
            #expect(try await schedules.due(at: due).map(\.reportID) == [report.id])

            let run = ReportSchedules.Run(dueAt: due, ranAt: due.addingTimeInterval(5), outcome: .sent, rows: 3, detail: "")
            // Two copies finishing the same due time at once: one records it.
            async let first = database.withTransaction(logger: schedules.logger) { try await schedules.finish(report.id, run, on: $0) }
            async let second = database.withTransaction(logger: schedules.logger) { try await schedules.finish(report.id, run, on: $0) }
            let recorded = try await [first, second]
            #expect(recorded.filter { $0 }.count == 1)
            let entry = try #require(try await schedules.entry(of: report.id))
            #expect(entry.lastRun == run)
            #expect(entry.nextDueAt == due.addingTimeInterval(86_400))

            await #expect(throws: SavedReportRefusal.notFound) {
                try await database.withTransaction(logger: schedules.logger) {
                    try await schedules.set(schedule, for: 999_999, by: 7, at: Self.now, on: $0)
                }
            }
        }
    }
}
