import Foundation
import Identity
import Logging
import Persistence
import Reporting
import ServiceLifecycle

/// Sends saved reports on their schedules (docs/reports.md "Schedules"): every `interval` it runs
/// each due report and queues one mail per recipient with the export attached. The run's row,
/// the schedule's next due time and the mails commit in one transaction keyed by (report, due
/// time), so a due time is sent once even if two copies or a restart run it again. A run that
/// ClickHouse could not answer is tried again each round for `retryWindow`, then recorded as
/// failed; a refused spec fails at once. Either way the schedule moves on to its next due time.
struct ReportScheduleJob: Service {
    static let leaseName = "reports-schedules"

    let library: SavedReportLibrary
    let mail: ScheduledReportMail
    let interval: Duration
    let retryWindow: TimeInterval
    let logger: Logger

    init(library: SavedReportLibrary, mail: ScheduledReportMail, interval: Duration = .seconds(10), logger: Logger) {
        self.library = library
        self.mail = mail
        self.interval = interval
        self.retryWindow = 3600
        self.logger = logger
    }

    func run() async throws {
        try await RepeatingJob("report schedules", every: interval, logger: logger) { [self] in try await sendDue() }.run()
    }

    /// Runs every schedule due now; answers the due times it recorded. One schedule's failure
    /// is logged and leaves the others to run.
    @discardableResult
    func sendDue() async throws -> Int {
        var recorded = 0
        for (reportID, dueAt) in try await library.schedules.due(at: library.now()) {
            do {
                if try await send(reportID, due: dueAt) { recorded += 1 }
            } catch {
                logger.error("a scheduled report could not be recorded", metadata: ["report": "\(reportID)", "reason": "\(error)"])
            }
        }
        return recorded
    }

    private func send(_ reportID: Int64, due dueAt: Date) async throws -> Bool {
        guard let entry = try await library.schedules.entry(of: reportID), entry.nextDueAt == dueAt else { return false }
        let ranAt = library.now()
        var mails: [OutgoingMail] = []
        let run: ReportSchedules.Run
        do {
            let report = try await library.saved.find(reportID)
            // A relative range is the due time's ("yesterday" of the day it was due, also when
            // run late), and the mail names the days the rows are for: both resolved at it.
            let table = try await library.run(report, at: dueAt)
            let file = try ReportExport(table, format: entry.schedule.format, measures: report.spec.measures)
            let spec = report.spec(at: dueAt)
            mails = entry.schedule.recipients.map {
                mail.mail(to: $0, report: report, spec: spec, file: file, rows: table.rows.count, language: entry.schedule.language)
            }
            let tooLarge = file.bytes.count > MailAttachment.maxBytes
            run = .init(dueAt: dueAt, ranAt: ranAt, outcome: .sent, rows: table.rows.count, detail: tooLarge ? "attachmentTooLarge" : "")
        } catch let refusal as SavedReportRefusal {
            run = .init(dueAt: dueAt, ranAt: ranAt, outcome: .failed, rows: nil, detail: refusal.code)
        } catch {
            logger.warning("a scheduled report did not run", metadata: ["report": "\(reportID)", "reason": "\(error)"])
            guard ranAt.timeIntervalSince(dueAt) >= retryWindow else { return false }
            run = .init(dueAt: dueAt, ranAt: ranAt, outcome: .failed, rows: nil, detail: "reportingUnavailable")
        }
        return try await library.database.withTransaction(logger: logger) { connection in
            guard try await library.schedules.finish(reportID, run, on: connection) else { return false }
            for mail in mails { try await MailQueue.enqueue(mail, on: connection, logger: logger) }
            return true
        }
    }
}
