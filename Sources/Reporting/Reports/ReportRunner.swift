import Core
import Foundation

/// Runs a report on ClickHouse, read-only and bounded (docs/reports.md), and answers its columns
/// and rows as text: money as exact decimals of its currency, counts as integers, ratios as
/// percent with two decimals, an empty ratio (nothing staked) as "".
public struct ReportRunner: Sendable {
    public struct Table: Sendable, Equatable {
        public let columns: [String]
        public let rows: [[String]]

        public init(columns: [String], rows: [[String]]) {
            self.columns = columns
            self.rows = rows
        }
    }

    let clickHouse: ClickHouseClient
    /// Each currency's ledger scale, for the decimals.
    let scales: [String: Int]
    /// The pivot currency, whose decimals a report in the pivot shows.
    let pivot: String

    public init(clickHouse: ClickHouseClient, scales: [String: Int], pivot: String) {
        self.clickHouse = clickHouse
        self.scales = scales
        self.pivot = pivot
    }

    /// Reads only, stops after 10 s, and refuses to produce more rows than the limit allows.
    static let settings = [
        "readonly": "2", "max_execution_time": "10", "max_result_rows": String(SemanticModel.maxLimit + 1),
        "result_overflow_mode": "throw",
    ]

    public func run(_ spec: ReportSpec) async throws -> Table {
        let report = try ReportCompiler.compile(spec)
        let answer = try await clickHouse.execute(report.sql + " FORMAT JSONCompact", settings: Self.settings)
        guard let json = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any],
            let data = json["data"] as? [[Any]]
        else { throw ClickHouseError.server(status: 200, message: "a report's answer is not JSONCompact") }
        let currencyColumn = report.columns.firstIndex { $0.name == "currency" }
        let rows = data.map { cells in
            let currency = report.pivot ? pivot : currencyColumn.map { Self.text(cells[$0]) } ?? report.currency ?? ""
            return zip(report.columns, cells).map { column, cell in format(Self.text(cell), as: column.kind, currency: currency) }
        }
        return Table(columns: report.columns.map(\.name), rows: rows)
    }

    func format(_ value: String, as kind: SemanticModel.Kind?, currency: String) -> String {
        guard let kind, let units = Int64(value) else { return value }
        switch kind {
        case .count: return value
        case .money: return scales[currency].map { Amount.decimal(units: units, scale: $0) } ?? value
        case .percent: return Amount.decimal(units: units, scale: 2)
        }
    }

    /// ClickHouse writes 64-bit integers as strings, others as numbers, NULL as null.
    static func text(_ cell: Any) -> String {
        switch cell {
        case let text as String: text
        case let number as NSNumber: number.stringValue
        default: ""
        }
    }
}
