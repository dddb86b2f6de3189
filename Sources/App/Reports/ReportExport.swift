import Foundation
import Hummingbird
import Reporting

/// A report as a file (docs/reports.md "Exports"): CSV, XLSX or JSON, the same for the console's
/// export link, the API's export of a saved report and a schedule's attachment.
struct ReportExport {
    typealias Format = ReportSchedule.Format

    let bytes: [UInt8]
    let format: Format

    init(_ table: ReportRunner.Table, format: Format, measures: [String]) throws {
        self.format = format
        bytes =
            switch format {
            case .csv: Array(ReportCSV.text(table).utf8)
            case .xlsx: ReportXLSX.bytes(table, measures: Set(measures))
            case .json: try ReportJSON.bytes(table)
            }
    }

    var contentType: String {
        switch format {
        case .csv: "text/csv"
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .json: "application/json"
        }
    }

    /// `name` (ASCII letters, digits, `-`) with the format's suffix.
    func fileName(_ name: String) -> String { "\(name).\(format.rawValue)" }

    /// A download: the bytes, their type (CSV says its charset) and an attachment's file name.
    func response(named name: String) -> Response {
        var response = Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        response.headers[.contentType] = format == .csv ? "text/csv; charset=utf-8" : contentType
        response.headers[.contentDisposition] = #"attachment; filename="\#(fileName(name))""#
        return response
    }
}

extension ReportSchedule.Format {
    /// A format's name from a URL; CSV when there is none or it is unknown.
    init(_ text: Substring?) {
        self = text.flatMap { Self(rawValue: String($0)) } ?? .csv
    }
}

/// A report as JSON, the API's shape: `{"columns": [...], "rows": [[...]]}`.
enum ReportJSON {
    struct Body: Encodable {
        let columns: [String]
        let rows: [[String]]
    }

    static func bytes(_ table: ReportRunner.Table) throws -> [UInt8] {
        Array(try JSONEncoder().encode(Body(columns: table.columns, rows: table.rows)))
    }
}

/// A report as CSV (RFC 4180): a header row, then the rows. A text cell a spreadsheet would run
/// as a formula (starting `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`; numbers are left as
/// they are, negative ones included.
enum ReportCSV {
    static func text(_ table: ReportRunner.Table) -> String {
        ([table.columns] + table.rows).map { row in row.map(cell).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    static func cell(_ value: String) -> String {
        var value = value
        if Double(value) == nil, let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
