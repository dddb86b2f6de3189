import Core
import Foundation
import Identity
import Ledger
import Logging
import Persistence
import PostgresNIO
import Synchronization

/// Compliance's dated FX rates to the pivot currency (`compliance_fx_rates`, docs/compliance.md
/// "FX"): the conversion every limit and AML sum makes, and the staff's list, form and CSV import.
///
/// A conversion is exact PostgreSQL numeric arithmetic rounded once, **up** to the pivot's ledger
/// unit: limits compare sums of conversions with a ceiling, and rounding up errs on the safe side
/// (a sum is never found under a limit it is over).
public struct FXRates: PivotConversion {
    public let pivot: String
    let database: Database
    let ledger: Ledger
    let audit: AuditLog
    let logger: Logger
    private let scales = ScaleCache()

    public init(pivot: String, database: Database, ledger: Ledger, logger: Logger) {
        self.pivot = pivot
        self.database = database
        self.ledger = ledger
        self.audit = AuditLog(database: database, logger: logger)
        self.logger = logger
    }

    /// A currency's ledger scale. Scales never change once a currency exists, so they are read
    /// once (from Ledger's API, on its own connection) and kept.
    func scale(of currency: String) async throws -> Int? {
        if let known = scales.known.withLock({ $0[currency] }) { return known }
        let all = try await ledger.currencies().mapValues(\.scale)
        scales.known.withLock { $0 = all }
        return all[currency]
    }

    public func pivotUnits(_ units: Int64, of currency: String, at moment: Date, on connection: PostgresConnection) async throws -> Int64 {
        guard let pivotScale = try await scale(of: pivot) else { throw MissingRate(currency: pivot, moment: moment) }
        guard let scale = try await scale(of: currency) else { throw MissingRate(currency: currency, moment: moment) }
        if currency == pivot { return units }
        // units × rate × 10^pivotScale / 10^scale, rounded up: exact numeric, one rounding.
        let rows = try await connection.query(
            """
            SELECT (div(v, d) + CASE WHEN mod(v, d) > 0 THEN 1 ELSE 0 END)::bigint
              FROM (SELECT \(units)::numeric * rate * (10::numeric ^ \(pivotScale)) AS v, 10::numeric ^ \(scale) AS d
                      FROM compliance_fx_rates WHERE currency = \(currency) AND valid_from <= \(moment)
                     ORDER BY valid_from DESC LIMIT 1) r
            """, logger: logger)
        for try await converted in rows.decode(Int64.self) { return converted }
        throw MissingRate(currency: currency, moment: moment)
    }

    /// Each currency's rate valid at `moment` (now by default), by currency code.
    public func current(at moment: Date = Date()) async throws -> [FXRate] {
        try await list(
            """
            SELECT DISTINCT ON (currency) currency, rate::text, valid_from, set_by, set_at FROM compliance_fx_rates
             WHERE valid_from <= \(moment) ORDER BY currency, valid_from DESC
            """)
    }

    /// Every rate of `currency` (all currencies when nil), newest first: the past ones and any set
    /// for later.
    public func history(of currency: String? = nil, limit: Int = 200) async throws -> [FXRate] {
        try await list(
            """
            SELECT currency, rate::text, valid_from, set_by, set_at FROM compliance_fx_rates
             WHERE \(currency)::text IS NULL OR currency = \(currency)
             ORDER BY valid_from DESC, currency LIMIT \(max(1, min(limit, 1000)))
            """)
    }

    /// Sets a rate (decimal text) from `validFrom`, by staff member `staff` (the App checks
    /// `payments.manage`), audited as `compliance.fx_rate_set` in the same transaction.
    public func set(currency: String, rate: String, validFrom: Date, staff: Int64) async throws {
        let valid = try await validated(currency: currency, rate: rate)
        try await database.withTransaction(logger: logger) { connection in
            guard try await insert(currency: valid.currency, rate: valid.rate, validFrom: validFrom, by: "staff:\(staff)", on: connection)
            else { throw FXRateProblem.duplicate(currency: valid.currency, validFrom: validFrom) }
            try await audit.append(
                AuditEntry(
                    actor: "staff:\(staff)", action: "compliance.fx_rate_set", target: "fx:\(valid.currency)",
                    summary: ["rate": valid.rate, "validFrom": Self.text(validFrom)]), on: connection)
        }
    }

    /// Imports `currency,rate,valid_from` lines (a header first): all of them or, when any line
    /// is wrong, none, with every wrong line named. Audited as one `compliance.fx_rates_imported`.
    /// Returns how many rates were added.
    @discardableResult
    public func importCSV(_ text: String, staff: Int64) async throws -> Int {
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "\r")) }
        guard let header = lines.first,
            header.lowercased().split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) })
                == ["currency", "rate", "valid_from"]
        else { throw FXImportRefusal(badHeader: true, problems: []) }
        let known = try await ledger.currencies()
        var rows: [(currency: String, rate: String, validFrom: Date)] = []
        var problems: [FXImportRefusal.LineProblem] = []
        var seen: Set<String> = []
        for (index, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            let number = index + 1
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 3 else {
                problems.append(.init(line: number, problem: .badDecimal(line)))
                continue
            }
            let currency = fields[0].uppercased()
            guard known[currency] != nil, currency != pivot else {
                problems.append(.init(line: number, problem: .badCurrency(fields[0])))
                continue
            }
            guard let rate = RateText.rate(fields[1]) else {
                problems.append(.init(line: number, problem: .badDecimal(fields[1])))
                continue
            }
            guard let validFrom = RateText.time(fields[2]) else {
                problems.append(.init(line: number, problem: .badTime(fields[2])))
                continue
            }
            guard seen.insert("\(currency)|\(validFrom.timeIntervalSince1970)").inserted else {
                problems.append(.init(line: number, problem: .duplicate(currency: currency, validFrom: validFrom)))
                continue
            }
            rows.append((currency, rate, validFrom))
        }
        guard problems.isEmpty else { throw FXImportRefusal(badHeader: false, problems: problems) }
        let lineOfRow = lines.enumerated().dropFirst().filter { !$0.element.trimmingCharacters(in: .whitespaces).isEmpty }.map {
            $0.offset + 1
        }
        return try await database.withTransaction(logger: logger) { connection in
            var clashes: [FXImportRefusal.LineProblem] = []
            for (row, line) in zip(rows, lineOfRow) {
                if !(try await insert(
                    currency: row.currency, rate: row.rate, validFrom: row.validFrom, by: "staff:\(staff)", on: connection))
                {
                    clashes.append(.init(line: line, problem: .duplicate(currency: row.currency, validFrom: row.validFrom)))
                }
            }
            // A clash with a stored rate refuses the whole file: throwing rolls every row back.
            guard clashes.isEmpty else { throw FXImportRefusal(badHeader: false, problems: clashes) }
            try await audit.append(
                AuditEntry(
                    actor: "staff:\(staff)", action: "compliance.fx_rates_imported", target: "fx",
                    summary: ["rates": String(rows.count), "currencies": Set(rows.map(\.currency)).sorted().joined(separator: ",")]),
                on: connection)
            return rows.count
        }
    }

    /// Rates for a development deployment's demo (`croupier demo`), valid from the Unix epoch so
    /// that every demo movement has one; added once (a rerun adds nothing). Never for production.
    public func seedDemoRates(_ rates: [String: String]) async throws {
        try await database.withTransaction(logger: logger) { connection in
            for (currency, rate) in rates.sorted(by: { $0.key < $1.key }) where currency != pivot {
                _ = try await insert(currency: currency, rate: rate, validFrom: Date(timeIntervalSince1970: 0), by: "demo", on: connection)
            }
        }
    }

    private func validated(currency rawCurrency: String, rate rawRate: String) async throws -> (currency: String, rate: String) {
        let currency = rawCurrency.trimmingCharacters(in: .whitespaces).uppercased()
        guard try await scale(of: currency) != nil, currency != pivot else { throw FXRateProblem.badCurrency(rawCurrency) }
        guard let rate = RateText.rate(rawRate) else { throw FXRateProblem.badDecimal(rawRate) }
        return (currency, rate)
    }

    /// False when the currency already has a rate from that moment.
    private func insert(currency: String, rate: String, validFrom: Date, by setBy: String, on connection: PostgresConnection) async throws
        -> Bool
    {
        let rows = try await connection.query(
            """
            INSERT INTO compliance_fx_rates (currency, valid_from, rate, set_by) VALUES (\(currency), \(validFrom), \(rate)::numeric, \(setBy))
            ON CONFLICT (currency, valid_from) DO NOTHING RETURNING 1
            """, logger: logger
        ).collect()
        return !rows.isEmpty
    }

    private func list(_ query: PostgresQuery) async throws -> [FXRate] {
        try await database.withConnection { connection in
            var rates: [FXRate] = []
            for try await (currency, rate, validFrom, setBy, setAt) in try await connection.query(query, logger: logger).decode(
                (String, String, Date, String, Date).self)
            {
                rates.append(FXRate(currency: currency, rate: rate, validFrom: validFrom, setBy: setBy, setAt: setAt))
            }
            return rates
        }
    }

    static func text(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// The ledger's currency scales as last read (a class, so the rates value stays copyable).
final class ScaleCache: Sendable {
    let known = Mutex<[String: Int]>([:])
}
