import Compliance
import Foundation
import PostgresNIO

/// A conversion to EUR for tests, from the rates in `compliance_fx_rates` (the rate valid at each
/// moment, rounded up to the pivot's unit as the KYC context's `FXRates` does), with the seeded
/// currencies' scales fixed here. Stands in until Compliance's own `FXRates` is on this branch.
public struct TestPivotConversion: PivotConversion {
    public let pivot = "EUR"
    static let scales = ["EUR": 5, "USD": 5, "RUB": 5, "USDT": 8, "BTC": 8]

    public init() {}

    public func pivotUnits(_ units: Int64, of currency: String, at moment: Date, on connection: PostgresConnection) async throws -> Int64 {
        if currency == pivot { return units }
        guard let scale = Self.scales[currency], let pivotScale = Self.scales[pivot] else {
            throw MissingRate(currency: currency, moment: moment)
        }
        let rows = try await connection.query(
            """
            SELECT (div(v, d) + CASE WHEN mod(v, d) > 0 THEN 1 ELSE 0 END)::bigint
              FROM (SELECT \(units)::numeric * rate * (10::numeric ^ \(pivotScale)) AS v, 10::numeric ^ \(scale) AS d
                      FROM compliance_fx_rates WHERE currency = \(currency) AND valid_from <= \(moment)
                     ORDER BY valid_from DESC LIMIT 1) r
            """, logger: TestServices.logger)
        for try await converted in rows.decode(Int64.self) { return converted }
        throw MissingRate(currency: currency, moment: moment)
    }

    /// Sets `currency`'s rate to EUR from `validFrom` (the epoch by default).
    public static func setRate(
        _ currency: String, _ rate: String, from validFrom: Date = Date(timeIntervalSince1970: 0), on connection: PostgresConnection
    )
        async throws
    {
        _ = try await connection.query(
            """
            INSERT INTO compliance_fx_rates (currency, valid_from, rate, set_by) VALUES (\(currency), \(validFrom), \(rate)::numeric, 'test')
            ON CONFLICT (currency, valid_from) DO UPDATE SET rate = excluded.rate
            """, logger: TestServices.logger)
    }
}
