import Foundation
import TestSupport
import Testing

@testable import Reporting

/// Report specs refused by name, and values that reach SQL only as literals: every field of a
/// spec is tried with SQL injection, and the literal encoder's output is read back by ClickHouse.
@Suite struct ReportCompilerTests {
    static func spec(
        measures: [String] = ["ggr"], dimensions: [String] = ["time", "currency"], filters: [ReportSpec.Filter] = [],
        from: String = "2026-11-01", to: String = "2026-11-30", grain: String = "day", timeZone: String = "UTC",
        order: [ReportSpec.Order] = [], limit: Int = 100
    ) -> ReportSpec {
        ReportSpec(
            measures: measures, dimensions: dimensions, filters: filters, from: .init(from), to: .init(to), grain: grain,
            timeZone: timeZone, order: order, limit: limit)
    }

    static let injection = "x') OR 1=1; DROP TABLE money_movements; --"

    @Test func hostileSpecsAreRefusedByName() {
        let refused: [(ReportSpec, ReportRefusal)] = [
            (Self.spec(measures: []), .noMeasures),
            (Self.spec(measures: ["ggr", Self.injection]), .unknownMeasure(Self.injection)),
            (Self.spec(dimensions: ["provider", "player_id"]), .unknownDimension("player_id")),
            (Self.spec(dimensions: [Self.injection]), .unknownDimension(Self.injection)),
            (Self.spec(grain: "minute"), .unknownGrain("minute")),
            (Self.spec(timeZone: "UTC') --"), .unknownTimeZone("UTC') --")),
            (Self.spec(from: "2026-11-31"), .invalidRange),
            (Self.spec(from: "2026-12-01", to: "2026-11-01"), .invalidRange),
            (Self.spec(to: "2026-11-30' OR 1=1"), .invalidRange),
            (Self.spec(from: "٢٠٢٦-١١-٠١"), .invalidRange),
            (Self.spec(to: "2026-11-0١"), .invalidRange),
            (Self.spec(to: "２０２６-１１-３０"), .invalidRange),
            (Self.spec(from: "2016-01-01", to: "2025-12-31", grain: "hour"), .rangeTooLarge),
            (Self.spec(limit: 1_000_000_000), .limitOutOfRange),
            (Self.spec(limit: 0), .limitOutOfRange),
            (Self.spec(filters: [.init(dimension: "provider", values: (0...100).map(String.init))]), .tooManyFilterValues),
            (Self.spec(filters: [.init(dimension: "provider", values: ["nul\u{0}byte"])]), .invalidFilterValue),
            (Self.spec(filters: [.init(dimension: "player_id", values: ["1"])]), .unknownDimension("player_id")),
            (Self.spec(dimensions: ["time"]), .currencyRequired),
            (Self.spec(order: [.init(by: Self.injection)]), .invalidOrder(Self.injection)),
            (Self.spec(filters: [.init(dimension: "segments", values: ["vip"])]), .unknownDimension("segments")),
            (Self.spec(measures: ["ftd_amount"], dimensions: ["country"]), .currencyRequired),
            (Self.spec(measures: ["new_players"], dimensions: ["provider"]), .dimensionNotApplicable("new_players by provider")),
            (
                Self.spec(measures: ["ggr", "ftd_count"], filters: [.init(dimension: "game", values: ["slot"])]),
                .dimensionNotApplicable("ftd_count by game")
            ),
            (Self.spec(measures: ["new_players"], dimensions: ["gateway"]), .dimensionNotApplicable("new_players by gateway")),
        ]
        for (spec, refusal) in refused {
            #expect(throws: refusal, "\(refusal)") { try ReportCompiler.compile(spec) }
        }
        #expect(ReportRefusal.rangeTooLarge.code == "rangeTooLarge")
    }

    @Test func tenYearsByTheDayAndAPlayerCountWithoutACurrencyAreAllowed() throws {
        _ = try ReportCompiler.compile(Self.spec(from: "2016-01-01", to: "2025-12-31"))
        _ = try ReportCompiler.compile(Self.spec(measures: ["active_players", "rtp"], dimensions: ["provider"]))
        _ = try ReportCompiler.compile(Self.spec(measures: ["ftd_count", "new_players"], dimensions: ["time", "currency"]))
        _ = try ReportCompiler.compile(Self.spec(measures: ["ftd_amount"], dimensions: ["gateway", "currency"]))
    }

    @Test func everyStringArrivesInClickHouseExactlyAsItWas() async throws {
        try await TestClickHouse.with { clickHouse in
            let strings = [
                "plain", "it's", #"back\slash"#, #"\'"#, #"\\'"#, "'", "''", "\u{0}", "\u{7}\u{1b}[31m", "line\nbreak\ttab\r",
                "ünïcødé", "игровой автомат", "🎰💰", Self.injection, "\u{7f}", "%s %d {}", "?",
            ]
            for text in strings {
                let answer = try await clickHouse.execute("SELECT hex(\(ClickHouseLiteral.string(text))) FORMAT TabSeparated")
                #expect(
                    answer.trimmingCharacters(in: .whitespacesAndNewlines) == text.utf8.map { String(format: "%02X", $0) }.joined(),
                    "\(text.debugDescription)")
            }
        }
    }

    @Test func aFilterValueCarryingSQLIsOnlyAValue() async throws {
        try await TestClickHouse.with { clickHouse in
            let runner = ReportRunner(clickHouse: clickHouse, scales: ["EUR": 5], pivot: "EUR")
            let table = try await runner.run(
                Self.spec(
                    measures: ["turnover", "active_players"], dimensions: ["provider"],
                    filters: [
                        .init(dimension: "provider", values: [Self.injection, "a'b\\c"]), .init(dimension: "currency", values: ["EUR"]),
                    ]
                ))
            #expect(table.columns == ["provider", "turnover", "active_players"])
            #expect(table.rows.isEmpty)
            // The players' dimensions, filtered after their join, and every source of measures.
            let byPlayer = try await runner.run(
                Self.spec(
                    measures: ["new_players", "ftd_count", "ftd_amount", "turnover"], dimensions: ["country", "kyc_level", "segment"],
                    filters: [
                        .init(dimension: "country", values: [Self.injection]), .init(dimension: "kyc_level", values: ["2' OR '1'='1"]),
                        .init(dimension: "segment", values: [Self.injection, "vip\\'), 1) --"]),
                        .init(dimension: "currency", values: ["EUR"]),
                    ]))
            #expect(byPlayer.columns == ["country", "kyc_level", "segment", "new_players", "ftd_count", "ftd_amount", "turnover"])
            #expect(byPlayer.rows.isEmpty)
            let byGateway = try await runner.run(
                Self.spec(
                    measures: ["ftd_count", "ftd_amount"], dimensions: ["gateway", "currency"],
                    filters: [.init(dimension: "gateway", values: ["') UNION ALL SELECT 1 --"])]))
            #expect(byGateway.rows.isEmpty)
            // A value that is the hostile text is found as itself, and only it.
            var events = PlayerDimensionsReportTests.Events()
            events.player(1, "player_registered", #""language":"en""#, sequence: 1)
            events.player(1, "profile_changed", #""country":"\#(Self.injection)""#, sequence: 2, context: "compliance")
            events.player(2, "player_registered", #""language":"en""#, sequence: 3)
            try await events.load(into: clickHouse)
            let today = PlayerDimensionsReportTests.today
            let hostile = try await runner.run(
                Self.spec(
                    measures: ["new_players"], dimensions: ["country"], filters: [.init(dimension: "country", values: [Self.injection])],
                    from: today, to: today))
            #expect(hostile.rows == [[Self.injection, "1"]])
            let tables = try await clickHouse.execute("SHOW TABLES FORMAT TabSeparated")
            for table in ["money_movements", "player_facts", "payment_facts"] {
                #expect(tables.contains(table), "nothing was dropped")
            }
        }
    }
}
