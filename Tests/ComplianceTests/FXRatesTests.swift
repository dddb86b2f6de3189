import Compliance
import Core
import Foundation
import Identity
import PostgresNIO
import TestSupport
import Testing

/// Dated rates: the rate valid at a movement's time converts it, exactly, rounded up once; no
/// rate is a named failure; the CSV import is all or nothing.
@Suite struct FXRatesTests {
    @Test func aMovementConvertsAtTheRateValidWhenItHappenedAndMissingRatesFailByName() async throws {
        try await ComplianceHarness.with { h in
            let first = Date(timeIntervalSince1970: 1_780_000_000)
            let second = first.addingTimeInterval(86_400)
            try await h.kyc.rates.set(currency: "USD", rate: "0.9", validFrom: first, staff: 7)
            try await h.kyc.rates.set(currency: "usd", rate: "0.8", validFrom: second, staff: 7)
            try await h.database.withConnection { (connection: PostgresConnection) async throws in
                let rates = h.kyc.rates
                // 100.00000 USD → 90.00000 EUR, then 80.00000 EUR from the second rate on.
                #expect(try await rates.pivotUnits(10_000_000, of: "USD", at: first.addingTimeInterval(60), on: connection) == 9_000_000)
                #expect(try await rates.pivotUnits(10_000_000, of: "USD", at: second, on: connection) == 8_000_000)
                #expect(try await rates.pivotUnits(12_345, of: "EUR", at: first, on: connection) == 12_345, "the pivot is itself at 1")
                await #expect(throws: MissingRate(currency: "USD", moment: first.addingTimeInterval(-1))) {
                    try await rates.pivotUnits(1, of: "USD", at: first.addingTimeInterval(-1), on: connection)
                }
                await #expect(throws: MissingRate(currency: "BTC", moment: first)) {
                    try await rates.pivotUnits(1, of: "BTC", at: first, on: connection)
                }
            }
            try await h.kyc.rates.set(currency: "BTC", rate: "0.5", validFrom: first, staff: 7)
            try await h.database.withConnection { (connection: PostgresConnection) async throws in
                // 1 satoshi × 0.5 = 0.000000005 EUR: below the pivot's unit, rounded up to 0.00001.
                #expect(try await h.kyc.rates.pivotUnits(1, of: "BTC", at: second, on: connection) == 1)
                // 3 BTC units at 0.5 EUR per BTC: 0.000000015 EUR → still one unit; 2,000 units → exactly 0.00001.
                #expect(try await h.kyc.rates.pivotUnits(2_000, of: "BTC", at: second, on: connection) == 1)
                #expect(try await h.kyc.rates.pivotUnits(2_001, of: "BTC", at: second, on: connection) == 2)
            }
            #expect(try await h.kyc.rates.current(at: second).map(\.rate) == ["0.5", "0.8"])
            #expect(try await h.kyc.rates.history(of: "USD").map(\.rate) == ["0.8", "0.9"])
            let audited = try await AuditLog(database: h.database, logger: h.logger).search(.init(action: "compliance.fx_rate_set"))
            #expect(audited.count == 3 && audited.allSatisfy { $0.entry.actor == "staff:7" })
        }
    }

    /// What the event loader asks: a batch in one query, signed amounts, rounded to the nearest
    /// unit (half away from zero) rather than up, nil where no rate was valid.
    @Test func analyticsValuesABatchAtEachMomentsRateRoundedToTheNearestUnit() async throws {
        try await ComplianceHarness.with { h in
            let first = Date(timeIntervalSince1970: 1_780_000_000)
            try await h.kyc.rates.set(currency: "USD", rate: "0.9", validFrom: first, staff: 7)
            try await h.kyc.rates.set(currency: "BTC", rate: "0.5", validFrom: first, staff: 7)
            let later = first.addingTimeInterval(60)
            let values = try await h.kyc.rates.pivotValues(of: [
                PivotAmount(units: 10_000_000, currency: "USD", moment: later),
                PivotAmount(units: -10_000_000, currency: "USD", moment: later),
                PivotAmount(units: 12_345, currency: "EUR", moment: first.addingTimeInterval(-1)),
                PivotAmount(units: 1, currency: "USD", moment: first.addingTimeInterval(-1)),
                // BTC has three more decimals than EUR: 1,000 units at 0.5 are half a unit of EUR.
                PivotAmount(units: 1_000, currency: "BTC", moment: later),
                PivotAmount(units: 999, currency: "BTC", moment: later),
                PivotAmount(units: -1_000, currency: "BTC", moment: later),
                PivotAmount(units: 1, currency: "XAU", moment: later),
            ])
            #expect(values == [9_000_000, -9_000_000, 12_345, nil, 1, 0, -1, nil])
            #expect(try await h.kyc.rates.pivotValues(of: []) == [])
        }
    }

    @Test func setRefusesBadCurrencyDecimalAndDuplicateByName() async throws {
        try await ComplianceHarness.with { h in
            let moment = Date(timeIntervalSince1970: 1_780_000_000)
            await #expect(throws: FXRateProblem.badCurrency("XAU")) {
                try await h.kyc.rates.set(currency: "XAU", rate: "1", validFrom: moment, staff: 1)
            }
            await #expect(throws: FXRateProblem.badCurrency("EUR")) {
                try await h.kyc.rates.set(currency: "EUR", rate: "1", validFrom: moment, staff: 1)
            }
            for bad in ["0", "-1", "1e3", "1,5", "", "0.0", "1.1234567890123456789"] {
                await #expect(throws: FXRateProblem.badDecimal(bad)) {
                    try await h.kyc.rates.set(currency: "USD", rate: bad, validFrom: moment, staff: 1)
                }
            }
            try await h.kyc.rates.set(currency: "USD", rate: "0.9", validFrom: moment, staff: 1)
            await #expect(throws: FXRateProblem.duplicate(currency: "USD", validFrom: moment)) {
                try await h.kyc.rates.set(currency: "USD", rate: "0.95", validFrom: moment, staff: 1)
            }
            #expect(try await h.kyc.rates.history().count == 1)
        }
    }

    @Test func aCSVImportIsAllOrNothingWithEveryBadLineNamed() async throws {
        try await ComplianceHarness.with { h in
            let bad = """
                currency,rate,valid_from
                USD,0.91,2026-01-01T00:00:00Z
                XAU,2000,2026-01-01T00:00:00Z
                RUB,0,01,2026-01-01
                RUB,abc,2026-01-01
                BTC,85000,yesterday
                USD,0.92,2026-01-01T00:00:00Z
                """
            let refusal = await #expect(throws: FXImportRefusal.self) { try await h.kyc.rates.importCSV(bad, staff: 3) }
            let day = try #require(ISO8601DateFormatter().date(from: "2026-01-01T00:00:00Z"))
            #expect(
                refusal?.problems == [
                    .init(line: 3, problem: .badCurrency("XAU")), .init(line: 4, problem: .badDecimal("RUB,0,01,2026-01-01")),
                    .init(line: 5, problem: .badDecimal("abc")), .init(line: 6, problem: .badTime("yesterday")),
                    .init(line: 7, problem: .duplicate(currency: "USD", validFrom: day)),
                ])
            #expect(try await h.kyc.rates.history().isEmpty, "the good line was not kept either")
            await #expect(throws: FXImportRefusal(badHeader: true, problems: [])) {
                try await h.kyc.rates.importCSV("code,value,from\nUSD,1,2026-01-01", staff: 3)
            }
            let good =
                "currency,rate,valid_from\r\nUSD,0.91,2026-01-01T00:00:00Z\r\nrub,0.0098,2026-01-01\r\nBTC,85000.5,2026-01-02T12:00:00.250Z\r\n"
            #expect(try await h.kyc.rates.importCSV(good, staff: 3) == 3)
            #expect(try await h.kyc.rates.history().map(\.currency).sorted() == ["BTC", "RUB", "USD"])
            // The same file again clashes with what is stored: refused whole, nothing added.
            await #expect(throws: FXImportRefusal.self) { try await h.kyc.rates.importCSV(good, staff: 3) }
            #expect(try await h.kyc.rates.history().count == 3)
            #expect(
                try await AuditLog(database: h.database, logger: h.logger).search(.init(action: "compliance.fx_rates_imported")).count == 1)
        }
    }
}
