import Foundation
import TestSupport
import Testing

@testable import Reporting

/// A report's range is read in slices of whole UTC months side by side (docs/reports.md
/// "Speed"): each row, and each of its copies, falls in exactly one slice, so nothing is lost or
/// counted twice at a month's edge, in any time zone.
@Suite struct ReportSlicesTests {
    static func day(_ text: String) throws -> Date { try #require(ReportCompiler.day(text)) }

    @Test func aRangeIsCutAtUTCMonthsIntoAtMostEightSlices() throws {
        let september = try Self.day("2026-09-05")
        let slices = ReportCompiler.slices(from: september, to: try Self.day("2026-12-04"))
        let october = ClickHouseLiteral.instant(try Self.day("2026-10-01"))
        let november = ClickHouseLiteral.instant(try Self.day("2026-11-01"))
        let december = ClickHouseLiteral.instant(try Self.day("2026-12-01"))
        #expect(
            slices == [
                ["occurred_at < \(october)"], ["occurred_at >= \(october)", "occurred_at < \(november)"],
                ["occurred_at >= \(november)", "occurred_at < \(december)"], ["occurred_at >= \(december)"],
            ])
        #expect(ReportCompiler.slices(from: try Self.day("2016-01-01"), to: try Self.day("2026-01-01")).count == 8)
        #expect(ReportCompiler.slices(from: try Self.day("2026-11-15"), to: try Self.day("2026-11-16")) == [[]], "one month: one read")
    }

    @Test func rowsAtTheEdgesOfMonthsCountOnceInAnyTimeZone() async throws {
        try await TestClickHouse.with { clickHouse in
            var rows = EventRows()
            let edges = ["2026-09-30 23:59:59", "2026-10-01 00:00:00", "2026-10-31 21:30:00", "2026-11-30 23:00:00", "2026-12-01 00:00:01"]
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
            for (index, edge) in edges.enumerated() {
                let payload =
                    #"{"transactionId":\#(index + 1),"kind":"bet","playerId":\#(index + 1),"currency":"EUR","delta":{"real":-\#(index + 1)00000,"bonus":0,"locked":0},"metadata":{"provider":"acme","game":"slot","round":"r\#(index)"}}"#
                rows.add(
                    eventID: String(format: "00000000-0000-4000-8000-%012d", index), subject: "croupier.ledger.bet",
                    occurredAt: try #require(formatter.date(from: edge)), sequence: UInt64(index + 1), payload: Array(payload.utf8))
            }
            // Every row twice, as a redelivery would write it.
            try await clickHouse.insert(into: "money_movements", rows: rows.money)
            try await clickHouse.insert(into: "money_movements", rows: rows.money)
            let runner = ReportRunner(clickHouse: clickHouse, scales: ["EUR": 5], pivot: "EUR")
            for (zone, expected) in [
                ("UTC", [["2026-09-01", "1.00000"], ["2026-10-01", "5.00000"], ["2026-11-01", "4.00000"], ["2026-12-01", "5.00000"]]),
                // Moscow is UTC+3: the last second of September and the evening of 31 October move a month on.
                ("Europe/Moscow", [["2026-10-01", "3.00000"], ["2026-11-01", "3.00000"], ["2026-12-01", "9.00000"]]),
            ] {
                let table = try await runner.run(
                    ReportSpec(
                        measures: ["turnover"], dimensions: ["time"], filters: [.init(dimension: "currency", values: ["EUR"])],
                        from: .init("2026-09-01"), to: .init("2026-12-31"), grain: "month", timeZone: zone))
                #expect(table.rows == expected, "\(zone)")
            }
        }
    }
}
