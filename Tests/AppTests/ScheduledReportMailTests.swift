import Foundation
import Identity
import Testing

@testable import App
@testable import Reporting

/// A scheduled report's mail (docs/reports.md "Schedules"): the export attached under the
/// report's name and days, or, above `MailAttachment.maxBytes`, not attached and said so.
@Suite struct ScheduledReportMailTests {
    let mail = ScheduledReportMail(
        localization: try! Localization(directory: packageRoot().appendingPathComponent("Sources/App/Resources/Locales")),
        publicURL: "https://casino.example")
    let report = SavedReport(
        id: 12, name: "Платежи: день/ночь", owner: 1,
        spec: ReportSpec(measures: ["deposits"], dimensions: ["gateway"], from: .init("2026-12-04"), to: .init("2026-12-04")),
        relativeRange: .yesterday, version: 1, createdAt: Date(), updatedAt: Date())

    func composed(_ table: ReportRunner.Table, format: ReportSchedule.Format = .csv) throws -> OutgoingMail {
        let file = try ReportExport(table, format: format, measures: report.spec.measures)
        return mail.mail(to: "cfo@casino.example", report: report, spec: report.spec, file: file, rows: table.rows.count, language: "ru")
    }

    @Test func theExportIsAttachedUnderTheReportsNameAndDays() throws {
        let sent = try composed(ReportRunner.Table(columns: ["gateway", "deposits"], rows: [["sandbox", "25.00000"]]), format: .xlsx)
        let attachment = try #require(sent.attachment)
        #expect(attachment.name == "Платежи_ день_ночь 2026-12-04.xlsx", "no path or drive separators in a file name")
        #expect(attachment.contentType == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(sent.subject == "Отчёт Croupier: Платежи: день/ночь · 2026-12-04")
        #expect(sent.text.contains("https://casino.example/admin/reports?saved=12"))
        #expect(sent.html.contains("Платежи: день/ночь") && !sent.html.contains("<script"))
    }

    @Test func anExportOverTheBoundIsNotAttachedAndTheMailSaysSo() throws {
        let big = String(repeating: "x", count: MailAttachment.maxBytes)
        let sent = try composed(ReportRunner.Table(columns: ["gateway", "deposits"], rows: [[big, "1.00000"]]))
        #expect(sent.attachment == nil)
        #expect(sent.text.contains(mail.localization.string("mail.report.tooLarge", in: "ru")))
    }
}
