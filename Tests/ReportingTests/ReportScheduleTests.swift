import Foundation
import Testing

@testable import Reporting

/// When a schedule is next due (docs/reports.md "Schedules"), across DST changes, and what a
/// relative range means on a given day.
@Suite struct ReportScheduleTests {
    static func instant(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text) ?? Date.distantPast
    }

    static func daily(_ hour: Int, _ zone: String) -> ReportSchedule {
        ReportSchedule(
            cadence: .daily, weekday: nil, hour: hour, timeZone: zone, format: .csv, recipients: ["a@casino.example"], language: "en")
    }

    @Test func aDailyScheduleKeepsItsWallClockHourAcrossSpringForwardAndFallBack() {
        let berlin = Self.daily(7, "Europe/Berlin")
        // 07:00 CET is 06:00Z; Berlin moves to CEST on 2026-03-29, so 07:00 is then 05:00Z.
        #expect(berlin.nextDue(after: Self.instant("2026-03-28T05:00:00Z")) == Self.instant("2026-03-28T06:00:00Z"))
        #expect(berlin.nextDue(after: Self.instant("2026-03-28T06:00:00Z")) == Self.instant("2026-03-29T05:00:00Z"))
        // Back to CET on 2026-10-25: 07:00 is 06:00Z again.
        #expect(berlin.nextDue(after: Self.instant("2026-10-24T05:00:00Z")) == Self.instant("2026-10-25T06:00:00Z"))
    }

    @Test func anHourThatDSTSkipsIsDueAtTheEndOfTheGap() {
        // 02:00 does not exist in Berlin on 2026-03-29: clocks go from 02:00 CET to 03:00 CEST (01:00Z).
        let skipped = Self.daily(2, "Europe/Berlin")
        #expect(skipped.nextDue(after: Self.instant("2026-03-28T12:00:00Z")) == Self.instant("2026-03-29T01:00:00Z"))
        // An hour that happens twice (02:00 on 2026-10-25) is due the first time, 02:00 CEST = 00:00Z.
        #expect(skipped.nextDue(after: Self.instant("2026-10-24T12:00:00Z")) == Self.instant("2026-10-25T00:00:00Z"))
    }

    @Test func aWeeklyScheduleWaitsForItsWeekdayInItsZone() {
        // 2026-12-05 is a Saturday. Monday 09:00 in Moscow (UTC+3) is 06:00Z on 2026-12-07.
        let monday = ReportSchedule(
            cadence: .weekly, weekday: 1, hour: 9, timeZone: "Europe/Moscow", format: .xlsx, recipients: ["a@casino.example"],
            language: "ru")
        #expect(monday.nextDue(after: Self.instant("2026-12-05T12:00:00Z")) == Self.instant("2026-12-07T06:00:00Z"))
        #expect(monday.nextDue(after: Self.instant("2026-12-07T06:00:00Z")) == Self.instant("2026-12-14T06:00:00Z"))
        let sunday = ReportSchedule(
            cadence: .weekly, weekday: 7, hour: 0, timeZone: "UTC", format: .csv, recipients: ["a@casino.example"], language: "en")
        #expect(sunday.nextDue(after: Self.instant("2026-12-05T12:00:00Z")) == Self.instant("2026-12-06T00:00:00Z"))
    }

    @Test func invalidSchedulesAndRecipientsAreRefusedByName() {
        let valid = Self.daily(7, "UTC")
        #expect(throws: SavedReportRefusal.scheduleInvalid) { try Self.daily(24, "UTC").validated() }
        #expect(throws: SavedReportRefusal.scheduleInvalid) { try Self.daily(7, "Mars/Olympus").validated() }
        #expect(throws: SavedReportRefusal.scheduleInvalid) {
            try ReportSchedule(
                cadence: .weekly, weekday: nil, hour: 7, timeZone: "UTC", format: .csv, recipients: valid.recipients, language: "en"
            )
            .validated()
        }
        for recipients in [
            [], ["not an address"], ["a@b"], ["a@casino.example>\r\nRCPT TO:<x@evil.example"], ["a@casino.example", "A@casino.example"],
        ]
            + [Array(repeating: "", count: 11).enumerated().map { "p\($0.offset)@casino.example" }]
        {
            #expect(throws: SavedReportRefusal.recipientsInvalid) {
                try ReportSchedule(
                    cadence: .daily, weekday: nil, hour: 7, timeZone: "UTC", format: .csv, recipients: recipients, language: "en"
                )
                .validated()
            }
        }
        #expect((try? valid.validated()) == valid)
    }

    @Test func relativeRangesCountWholeDaysInTheReportsZone() {
        // 2026-03-01T22:30Z is already 2 March in Moscow (UTC+3) but still 1 March in UTC.
        let now = Self.instant("2026-03-01T22:30:00Z")
        let moscow = TimeZone(identifier: "Europe/Moscow") ?? .gmt
        func days(_ range: RelativeRange, _ zone: TimeZone) -> [String] {
            let (from, to) = range.days(at: now, in: zone)
            return [from.text, to.text]
        }
        #expect(days(.yesterday, moscow) == ["2026-03-01", "2026-03-01"])
        #expect(days(.yesterday, .gmt) == ["2026-02-28", "2026-02-28"])
        #expect(days(.today, moscow) == ["2026-03-02", "2026-03-02"])
        #expect(days(.last7Days, moscow) == ["2026-02-23", "2026-03-01"])
        #expect(days(.monthToDate, moscow) == ["2026-03-01", "2026-03-02"])
        #expect(days(.previousMonth, moscow) == ["2026-02-01", "2026-02-28"])
        #expect(days(.last30Days, .gmt) == ["2026-01-30", "2026-02-28"])
    }
}
