import Foundation

/// When and to whom a saved report is e-mailed (docs/reports.md "Schedules"): every day, or every
/// week on one weekday, at a whole hour of a time zone's wall clock, as one export format.
public struct ReportSchedule: Sendable, Equatable {
    public enum Cadence: String, Sendable, Codable {
        case daily, weekly
    }

    public enum Format: String, Sendable, Codable, CaseIterable {
        case csv, xlsx, json
    }

    public static let maxRecipients = 10

    public let cadence: Cadence
    /// ISO weekday, 1 = Monday … 7 = Sunday; weekly schedules only.
    public let weekday: Int?
    /// 0–23 on the wall clock of `timeZone`.
    public let hour: Int
    public let timeZone: String
    public let format: Format
    public let recipients: [String]
    /// The mail's language, `ru` or `en`.
    public let language: String

    public init(cadence: Cadence, weekday: Int?, hour: Int, timeZone: String, format: Format, recipients: [String], language: String) {
        self.cadence = cadence
        self.weekday = cadence == .weekly ? weekday : nil
        self.hour = hour
        self.timeZone = timeZone
        self.format = format
        self.recipients = recipients.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        self.language = language == "ru" ? "ru" : "en"
    }

    /// Refuses a schedule that could never be due, or could send to something not an address.
    public func validated() throws -> ReportSchedule {
        guard (0...23).contains(hour), cadence == .daily || (1...7).contains(weekday ?? 0), zone != nil else {
            throw SavedReportRefusal.scheduleInvalid
        }
        guard (1...Self.maxRecipients).contains(recipients.count), Set(recipients).count == recipients.count,
            recipients.allSatisfy(Self.isAddress)
        else { throw SavedReportRefusal.recipientsInvalid }
        return self
    }

    var zone: TimeZone? {
        guard TimeZone.knownTimeZoneIdentifiers.contains(timeZone) || timeZone == "UTC" else { return nil }
        return TimeZone(identifier: timeZone)
    }

    /// The first due time strictly after `instant`: the schedule's hour on its next matching day
    /// in its time zone. On a day whose clocks skip that hour (DST starts) it is the first instant
    /// after the gap; on a day that repeats it, the first of the two.
    public func nextDue(after instant: Date) -> Date? {
        guard let zone else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var components = DateComponents(hour: hour, minute: 0, second: 0)
        // Foundation counts weekdays from Sunday = 1.
        if let weekday { components.weekday = weekday % 7 + 1 }
        return calendar.nextDate(after: instant, matching: components, matchingPolicy: .nextTime, repeatedTimePolicy: .first)
    }

    /// One address: a local part and a dotted domain, printable ASCII, no spaces, commas or angle
    /// brackets (it goes into SMTP's RCPT TO and a header), at most 254 characters.
    static func isAddress(_ text: String) -> Bool {
        guard text.count <= 254,
            text.allSatisfy({ $0.isASCII && !$0.isWhitespace && !"<>,;:\"()[]\\".contains($0) && ($0.asciiValue ?? 0) > 0x20 })
        else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64 else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
    }
}
