import Foundation

/// The one way a value reaches report SQL (docs/reports.md): as a typed ClickHouse literal written
/// here. Names (columns, functions) never come from input: the semantic model holds them. A string
/// is quoted with every byte ClickHouse could read as syntax escaped: the quote, the backslash and
/// every control byte as `\xHH`; other UTF-8 passes as it is.
enum ClickHouseLiteral {
    static func string(_ text: String) -> String {
        var literal = "'"
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x27: literal += "\\'"
            case 0x5C: literal += "\\\\"
            case 0..<0x20, 0x7f: literal += String(format: "\\x%02X", scalar.value)
            default: literal.unicodeScalars.append(scalar)
            }
        }
        return literal + "'"
    }

    static func integer(_ value: Int64) -> String { String(value) }

    /// An instant, to the second, as ClickHouse's DateTime (from its Unix time: an integer).
    static func instant(_ date: Date) -> String { "toDateTime(\(Int64(date.timeIntervalSince1970.rounded(.down))))" }

    /// Midnight of `day` in `timeZone`, as ClickHouse's DateTime.
    static func startOf(_ day: ReportSpec.Day, in timeZone: TimeZone) -> String {
        "toDateTime(\(string(day.text + " 00:00:00")), \(string(timeZone.identifier)))"
    }
}
