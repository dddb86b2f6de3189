import Foundation
import Reporting

/// The saved reports on the reports page (docs/reports.md "Saved reports"): each with its
/// range, links to open and export it, and its schedule with the last run's state; for a role
/// with `reports.manage`, the forms to save the report on screen, delete, schedule and send now.
struct AdminSavedReportsPanel {
    typealias Choice = AdminReportsPage.Choice

    struct Row {
        let id: Int64
        let name: String
        let range: String
        let openHref: String
        let exportHref: String
        let scheduled: Bool
        let cadence: String
        let nextDue: String
        let nextDueISO: String
        let lastRun: String?
        let lastRunFailed: Bool
        let lastRunDetail: String?
        let cadences: [Choice]
        let weekdays: [Choice]
        let hours: [Choice]
        let formats: [Choice]
        let timeZone: String
        let recipients: String
    }

    let rows: [Row]
    let hasRows: Bool
    let canManage: Bool
    /// A report is on screen and the role may save it.
    let canSave: Bool
    /// The report on screen, to save: its question as hidden fields, and the relative ranges.
    let current: [Choice]
    let ranges: [Choice]

    init(
        reports: [SavedReport], schedules: [Int64: ReportSchedules.Entry], query: AdminReportsQuery?, canManage: Bool,
        text: (String) -> String
    ) {
        func choices(_ values: [String], chosen: String, prefix: String) -> [Choice] {
            values.map { Choice(value: $0, label: prefix.isEmpty ? $0.uppercased() : text("\(prefix).\($0)"), chosen: $0 == chosen) }
        }
        let prefix = "admin.reports.saved"
        rows = reports.map { report in
            let entry = schedules[report.id]
            let schedule = entry?.schedule
            let cadence = schedule.map { schedule in
                let day = schedule.weekday.map { " · " + text("\(prefix).weekdays.\($0)") } ?? ""
                return text("\(prefix).cadences.\(schedule.cadence.rawValue)") + day
                    + String(format: " · %02d:00 %@ · %@", schedule.hour, schedule.timeZone, schedule.format.rawValue.uppercased())
            }
            let run = entry?.lastRun
            return Row(
                id: report.id, name: report.name,
                range: report.relativeRange.map { text("\(prefix).ranges.\($0.rawValue)") }
                    ?? "\(report.spec.from.text) – \(report.spec.to.text)",
                openHref: "/admin/reports?saved=\(report.id)", exportHref: "/api/v1/reports/\(report.id)/export",
                scheduled: schedule != nil, cadence: cadence ?? text("\(prefix).notScheduled"),
                nextDue: entry.map { Self.minute($0.nextDueAt, in: schedule?.timeZone) } ?? "",
                nextDueISO: entry.map { ISO8601DateFormatter().string(from: $0.nextDueAt) } ?? "",
                lastRun: run.map {
                    "\(text("\(prefix).outcomes.\($0.outcome.rawValue)")) · \(Self.minute($0.ranAt, in: schedule?.timeZone))"
                },
                lastRunFailed: run?.outcome == .failed,
                lastRunDetail: run.flatMap { $0.detail.isEmpty ? nil : text("admin.reports.errors.\($0.detail)") },
                cadences: choices(["daily", "weekly"], chosen: schedule?.cadence.rawValue ?? "daily", prefix: "\(prefix).cadences"),
                weekdays: choices((1...7).map(String.init), chosen: String(schedule?.weekday ?? 1), prefix: "\(prefix).weekdays"),
                hours: (0...23).map {
                    Choice(value: String($0), label: String(format: "%02d:00", $0), chosen: $0 == (schedule?.hour ?? 7))
                },
                formats: choices(ReportSchedule.Format.allCases.map(\.rawValue), chosen: schedule?.format.rawValue ?? "xlsx", prefix: ""),
                timeZone: schedule?.timeZone ?? report.spec.timeZone, recipients: schedule?.recipients.joined(separator: ", ") ?? "")
        }
        hasRows = !rows.isEmpty
        self.canManage = canManage
        current = query.map(Self.fields) ?? []
        canSave = canManage && !current.isEmpty
        ranges =
            [Choice(value: "", label: text("\(prefix).rangeFixed"), chosen: true)]
            + RelativeRange.allCases.map { Choice(value: $0.rawValue, label: text("\(prefix).ranges.\($0.rawValue)"), chosen: false) }
    }

    /// The question as the hidden fields of the save form (the reports page's own parameters).
    static func fields(_ query: AdminReportsQuery) -> [Choice] {
        (URLComponents(string: "?" + query.queryString)?.queryItems ?? []).map {
            Choice(value: $0.value ?? "", label: $0.name, chosen: false)
        }
    }

    /// A time to the minute in the schedule's zone, with the zone named.
    static func minute(_ date: Date, in zone: String?) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone.flatMap(TimeZone.init(identifier:)) ?? .gmt
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return "\(formatter.string(from: date)) \(formatter.timeZone.identifier)"
    }
}
