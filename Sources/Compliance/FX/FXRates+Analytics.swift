import Core
import Foundation
import PostgresNIO

/// Values in the pivot for analytics (docs/events.md "Pivot"): the event loader values every
/// money fact as it loads it, a batch in one query.
extension FXRates {
    /// Each amount in ledger units of the pivot at the rate valid at its moment, rounded once to
    /// the nearest unit (half away from zero): a report sums many values, where rounding each up,
    /// as limits do, would drift upwards. nil where no rate was valid then, or the currency is
    /// not the ledger's.
    public func pivotValues(of amounts: [PivotAmount]) async throws -> [Int64?] {
        guard !amounts.isEmpty else { return [] }
        guard let pivotScale = try await scale(of: pivot) else { return amounts.map { _ in nil } }
        var exponents: [Int?] = []
        for amount in amounts { exponents.append(try await scale(of: amount.currency).map { pivotScale - $0 }) }
        let known = amounts.indices.filter { exponents[$0] != nil }
        guard !known.isEmpty else { return amounts.map { _ in nil } }
        let units = known.map { amounts[$0].units }
        let currencies = known.map { amounts[$0].currency }
        let moments = known.map { amounts[$0].moment }
        let powers = known.map { exponents[$0] ?? 0 }
        let valued = try await database.withConnection { connection in
            // units × rate × 10^(pivot scale − scale), exact numeric; the pivot's own rate is 1.
            let rows = try await connection.query(
                """
                SELECT a.n, CASE WHEN a.currency = \(pivot) THEN a.units
                                 ELSE round(a.units::numeric * r.rate * (10::numeric ^ a.power))::bigint END
                  FROM unnest(\(units)::bigint[], \(currencies)::text[], \(moments)::timestamptz[], \(powers)::int[])
                       WITH ORDINALITY AS a(units, currency, moment, power, n)
                  LEFT JOIN LATERAL (SELECT rate FROM compliance_fx_rates
                                      WHERE currency = a.currency AND valid_from <= a.moment
                                      ORDER BY valid_from DESC LIMIT 1) r ON true
                """, logger: logger)
            var valued: [(ordinal: Int, value: Int64?)] = []
            for try await row in rows.decode((Int, Int64?).self) { valued.append(row) }
            return valued
        }
        var values = [Int64?](repeating: nil, count: amounts.count)
        for (ordinal, value) in valued { values[known[ordinal - 1]] = value }
        return values
    }
}
