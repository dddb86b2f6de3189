import Foundation

/// The parsing rules of rates and their times, shared by the staff form and the CSV import.
public enum RateText {
    /// A positive exact decimal with at most 12 whole and 18 fractional digits, as the table's
    /// CHECK (rate < 1e12) and a sane precision allow; nil otherwise.
    public static func rate(_ text: String) -> String? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.wholeMatch(of: /[0-9]{1,12}(\.[0-9]{1,18})?/) != nil else { return nil }
        guard trimmed.contains(where: { $0 != "0" && $0 != "." }) else { return nil }
        return trimmed
    }

    /// An ISO 8601 time with its zone, with or without fractional seconds, or a bare date read
    /// as midnight UTC; nil otherwise.
    public static func time(_ text: String) -> Date? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: trimmed) ?? withFraction.date(from: trimmed) { return date }
        guard trimmed.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil else { return nil }
        let dateOnly = ISO8601DateFormatter()
        dateOnly.formatOptions = [.withFullDate]
        dateOnly.timeZone = TimeZone(identifier: "UTC")
        return dateOnly.date(from: trimmed)
    }
}
