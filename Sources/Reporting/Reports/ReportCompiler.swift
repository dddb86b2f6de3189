import Foundation

/// A checked spec and its SQL (docs/reports.md). Every name is looked up in `SemanticModel` and
/// every value goes through `ClickHouseLiteral`; what does not pass is refused by name.
struct CompiledReport: Sendable, Equatable {
    struct Column: Sendable, Equatable {
        let name: String
        /// nil for a dimension.
        let kind: SemanticModel.Kind?
    }

    let sql: String
    let columns: [Column]
    /// The one currency a filter chose, when the rows carry none.
    let currency: String?
    /// Money in the pivot currency, whatever the rows' currency.
    let pivot: Bool
}

enum ReportCompiler {
    static func compile(_ spec: ReportSpec) throws -> CompiledReport {
        guard !spec.measures.isEmpty else { throw ReportRefusal.noMeasures }
        var measures: [(String, SemanticModel.Measure)] = []
        for name in spec.measures {
            guard let measure = SemanticModel.measures[name] else { throw ReportRefusal.unknownMeasure(name) }
            measures.append((name, measure))
        }
        guard let timeZone = TimeZone(identifier: spec.timeZone),
            TimeZone.knownTimeZoneIdentifiers.contains(spec.timeZone)
                || spec.timeZone == "UTC"
        else { throw ReportRefusal.unknownTimeZone(spec.timeZone) }
        let zone = ClickHouseLiteral.string(timeZone.identifier)
        guard let bucket = SemanticModel.bucket(grain: spec.grain, zone: zone) else { throw ReportRefusal.unknownGrain(spec.grain) }
        var dimensions: [(String, String)] = []
        for name in spec.dimensions {
            if name == SemanticModel.time {
                dimensions.append((name, bucket))
            } else if let column = SemanticModel.columns[name] ?? SemanticModel.playerColumns[name] ?? SemanticModel.gameColumns[name] {
                dimensions.append((name, column))
            } else {
                throw ReportRefusal.unknownDimension(name)
            }
        }
        let (start, end) = try range(spec)
        let hours = Calendar.utc.dateComponents([.hour], from: start, to: end).hour ?? 0
        guard hours / (SemanticModel.hoursPerBucket[spec.grain] ?? 1) <= SemanticModel.maxBuckets else {
            throw ReportRefusal.rangeTooLarge
        }
        guard (1...SemanticModel.maxLimit).contains(spec.limit) else { throw ReportRefusal.limitOutOfRange }
        // Conditions on the sources' own columns go into each source; those on a player's
        // dimensions apply after the join.
        let times = [
            "occurred_at >= \(ClickHouseLiteral.startOf(spec.from, in: timeZone))",
            "occurred_at < \(ClickHouseLiteral.startOf(ReportSpec.Day(Self.text(end)), in: timeZone))",
        ]
        var conditions: [(column: String, sql: String)] = []
        // Conditions on a player's or a game's dimensions, after the joins.
        var joinedConditions: [String] = []
        var currency: String?
        for filter in spec.filters {
            guard (1...SemanticModel.maxFilterValues).contains(filter.values.count) else { throw ReportRefusal.tooManyFilterValues }
            for value in filter.values where !isFilterValue(value) { throw ReportRefusal.invalidFilterValue }
            let literals = filter.values.map(ClickHouseLiteral.string)
            if let column = SemanticModel.columns[filter.dimension] {
                conditions.append((column, "\(column) IN (\(literals.joined(separator: ", ")))"))
            } else if filter.dimension == "segment" {
                // A player may be in several segments: any of the chosen ones will do.
                joinedConditions.append("(\(literals.map { "has(splitByChar(',', segments), \($0))" }.joined(separator: " OR ")))")
            } else if let column = SemanticModel.playerColumns[filter.dimension] ?? SemanticModel.gameColumns[filter.dimension] {
                joinedConditions.append("\(column) IN (\(literals.joined(separator: ", ")))")
            } else {
                throw ReportRefusal.unknownDimension(filter.dimension)
            }
            if filter.dimension == "currency", filter.values.count == 1 { currency = filter.values[0] }
        }
        let asked = spec.dimensions + spec.filters.map(\.dimension)
        for (name, measure) in measures {
            if let dimension = asked.first(where: measure.source.lacks.contains) {
                throw ReportRefusal.dimensionNotApplicable("\(name) by \(dimension)")
            }
        }
        let money = measures.contains { $0.1.kind == .money }
        guard !money || spec.pivot || currency != nil || spec.dimensions.contains("currency") else {
            throw ReportRefusal.currencyRequired
        }
        let aliases = dimensions.indices.map { "d\($0)" } + measures.indices.map { "m\($0)" }
        let names = dimensions.map(\.0) + measures.map(\.0)
        var orders: [String] = []
        for order in spec.order {
            guard let index = names.firstIndex(of: order.by) else { throw ReportRefusal.invalidOrder(order.by) }
            orders.append("\(aliases[index]) \(order.descending ? "DESC" : "ASC")")
        }
        if orders.isEmpty { orders = dimensions.indices.map { "d\($0) ASC" } }
        let selected =
            dimensions.enumerated().map { "\($1.1) AS d\($0)" } + measures.enumerated().map { "\($1.1.expression) AS m\($0)" }
        let sources = SemanticModel.Source.allCases.filter { source in measures.contains { $0.1.source == source } }
        let rows = sources.flatMap { source in
            let own = times + conditions.filter { source.columns.contains($0.column) }.map(\.sql)
            return Self.slices(from: start, to: end).map { slice in
                "\(source.select(pivot: spec.pivot)) AND \((own + slice).joined(separator: " AND "))"
            }
        }.joined(separator: " UNION ALL ")
        let byGame = asked.contains { SemanticModel.gameColumns[$0] != nil }
        let byPlayer = asked.contains { SemanticModel.playerColumns[$0] != nil }
        var from = "(\(rows))"
        if byGame { from = "(SELECT \(SemanticModel.rowColumns), game_name, category FROM \(from) \(SemanticModel.gameJoin))" }
        var sql = "SELECT \(selected.joined(separator: ", ")) FROM \(from)"
        if byPlayer { sql += " ANY LEFT JOIN (\(SemanticModel.players)) USING player_id" }
        if !joinedConditions.isEmpty { sql += " WHERE \(joinedConditions.joined(separator: " AND "))" }
        if !dimensions.isEmpty { sql += " GROUP BY \(dimensions.indices.map { "d\($0)" }.joined(separator: ", "))" }
        if !orders.isEmpty { sql += " ORDER BY \(orders.joined(separator: ", "))" }
        sql += " LIMIT \(spec.limit)"
        let columns =
            dimensions.map { CompiledReport.Column(name: $0.0, kind: nil) }
            + measures.map { CompiledReport.Column(name: $0.0, kind: $0.1.kind) }
        return CompiledReport(sql: sql, columns: columns, currency: currency, pivot: spec.pivot)
    }

    /// The range cut into at most `SemanticModel.maxSlices` runs of whole UTC months (the tables'
    /// partitions), each a condition on `occurred_at`. ClickHouse 18 merges a `FINAL` read in one
    /// thread, but runs the parts of a `UNION ALL` side by side; a row's copies share their
    /// `occurred_at`, so they always fall in one slice and `FINAL` still keeps one. The slices
    /// span a day more on each side than the UTC days of the range, which covers any time zone;
    /// the range's own conditions still bound the rows exactly.
    static func slices(from start: Date, to end: Date) -> [[String]] {
        let calendar = Calendar.utc
        guard let wideStart = calendar.date(byAdding: .day, value: -1, to: start),
            let wideEnd = calendar.date(byAdding: .day, value: 1, to: end),
            let firstMonth = calendar.date(from: calendar.dateComponents([.year, .month], from: wideStart))
        else { return [[]] }
        var months: [Date] = [firstMonth]
        while let last = months.last, last < wideEnd, let next = calendar.date(byAdding: .month, value: 1, to: last) { months.append(next) }
        // months holds each slice's possible bounds: the first month's start to the month after the end.
        let count = months.count - 1
        guard count > 1 else { return [[]] }
        let slices = min(count, SemanticModel.maxSlices)
        return (0..<slices).map { index in
            let lower = months[index * count / slices]
            let upper = months[(index + 1) * count / slices]
            var bounds: [String] = []
            if index > 0 { bounds.append("occurred_at >= \(ClickHouseLiteral.instant(lower))") }
            if index < slices - 1 { bounds.append("occurred_at < \(ClickHouseLiteral.instant(upper))") }
            return bounds
        }
    }

    /// The first day's midnight and the midnight after the last day, as UTC calendar days (the
    /// time zone applies in SQL); the last day may not come before the first.
    static func range(_ spec: ReportSpec) throws -> (Date, Date) {
        guard let start = day(spec.from.text), let last = day(spec.to.text), last >= start,
            let end = Calendar.utc.date(byAdding: .day, value: 1, to: last)
        else { throw ReportRefusal.invalidRange }
        return (start, end)
    }

    static func day(_ text: String) -> Date? {
        // ASCII digits only: `\d` would take any script's digits, which `Int` does not read.
        guard text.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil else { return nil }
        let parts = text.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        let components = DateComponents(year: parts[0], month: parts[1], day: parts[2])
        guard components.isValidDate(in: Calendar.utc), let date = Calendar.utc.date(from: components) else { return nil }
        return date
    }

    static func text(_ date: Date) -> String { ReportSpec.Day(date).text }

    /// 1 to 200 characters, none of them a control character.
    static func isFilterValue(_ value: String) -> Bool {
        (1...200).contains(value.count) && !value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar
    }()
}
