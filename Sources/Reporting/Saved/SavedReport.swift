import Foundation

/// A report kept under a name (docs/reports.md "Saved reports"): its spec, and optionally a range
/// relative to the day it runs, which replaces the spec's `from` and `to` then. The spec is
/// checked by the compiler when saved and again on every run, so one that a later model no
/// longer accepts is refused by name, never run.
public struct SavedReport: Sendable, Equatable {
    public let id: Int64
    public let name: String
    /// Identity's staff id of whoever saved it first.
    public let owner: Int64
    public let spec: ReportSpec
    public let relativeRange: RelativeRange?
    /// Starts at 1; each update adds one, and an update naming another version is refused.
    public let version: Int
    public let createdAt: Date
    public let updatedAt: Date

    /// The spec to run at `now`: the relative range, when there is one, resolved in the spec's
    /// time zone (UTC if the zone is unknown; the compiler then refuses it by name).
    public func spec(at now: Date) -> ReportSpec {
        guard let relativeRange else { return spec }
        let (from, to) = relativeRange.days(at: now, in: TimeZone(identifier: spec.timeZone) ?? .gmt)
        return ReportSpec(
            measures: spec.measures, dimensions: spec.dimensions, filters: spec.filters, from: from, to: to, grain: spec.grain,
            timeZone: spec.timeZone, order: spec.order, limit: spec.limit)
    }
}

/// What a saved report is made of, as a person sends it.
public struct SavedReportDraft: Sendable, Equatable {
    public let name: String
    public let spec: ReportSpec
    public let relativeRange: RelativeRange?

    public init(name: String, spec: ReportSpec, relativeRange: RelativeRange? = nil) {
        self.name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        self.spec = spec
        self.relativeRange = relativeRange
    }
}

/// A range of whole days counted back from the day a report runs, in the report's time zone:
/// what makes a schedule useful (yesterday's figures every morning).
public enum RelativeRange: String, Sendable, CaseIterable, Codable {
    case today
    case yesterday
    /// The seven days before today.
    case last7Days = "last_7_days"
    /// The thirty days before today.
    case last30Days = "last_30_days"
    /// From the first of this month to today.
    case monthToDate = "month_to_date"
    case previousMonth = "previous_month"

    /// The first and last day at `now` in `zone`.
    public func days(at now: Date, in zone: TimeZone) -> (ReportSpec.Day, ReportSpec.Day) {
        var local = Calendar(identifier: .gregorian)
        local.timeZone = zone
        let parts = local.dateComponents([.year, .month, .day], from: now)
        // The local calendar day, as a UTC midnight, so that day arithmetic ignores DST.
        let today = Calendar.utc.date(from: DateComponents(year: parts.year, month: parts.month, day: parts.day)) ?? now
        func day(_ offset: Int, from date: Date = today) -> ReportSpec.Day {
            ReportSpec.Day(Calendar.utc.date(byAdding: .day, value: offset, to: date) ?? date)
        }
        let firstOfMonth = Calendar.utc.date(from: DateComponents(year: parts.year, month: parts.month, day: 1)) ?? today
        switch self {
        case .today: return (day(0), day(0))
        case .yesterday: return (day(-1), day(-1))
        case .last7Days: return (day(-7), day(-1))
        case .last30Days: return (day(-30), day(-1))
        case .monthToDate: return (day(0, from: firstOfMonth), day(0))
        case .previousMonth:
            let previous = Calendar.utc.date(byAdding: .month, value: -1, to: firstOfMonth) ?? firstOfMonth
            return (day(0, from: previous), day(-1, from: firstOfMonth))
        }
    }
}

/// Why a saved report or its schedule was refused; nothing changed.
public enum SavedReportRefusal: Error, Sendable, Equatable {
    case notFound
    /// Another report has this name (names are compared without case).
    case nameTaken
    /// Empty, over 120 characters, or with control characters.
    case nameInvalid
    /// The report changed since the version the caller read.
    case versionConflict
    /// The spec (resolved at the time of the check) is refused by the compiler.
    case spec(ReportRefusal)
    /// Weekly without a weekday, an hour outside 0–23, an unknown time zone or format.
    case scheduleInvalid
    /// Not an e-mail address, or more than `ReportSchedule.maxRecipients` of them.
    case recipientsInvalid

    public var code: String {
        switch self {
        case .notFound: "reportNotFound"
        case .nameTaken: "reportNameTaken"
        case .nameInvalid: "reportNameInvalid"
        case .versionConflict: "reportVersionConflict"
        case .spec(let refusal): refusal.code
        case .scheduleInvalid: "scheduleInvalid"
        case .recipientsInvalid: "recipientsInvalid"
        }
    }
}
