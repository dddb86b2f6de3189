import Core
import Foundation
import TestSupport
import Testing

@testable import Reporting

/// Games' dimensions, rounds, and money in the pivot currency (docs/reports.md, docs/events.md):
/// a game's name and category are those of its latest event by sequence; a round is its
/// movements; a report in the pivot sums every currency's movements at the values the loader
/// gave them, and leaves out a movement no rate valued.
@Suite struct GameAndPivotReportTests {
    static let today = ReportCompiler.text(Date())

    @Test func gamesNameAndCategoryBreakDownTheirMovements() async throws {
        try await TestClickHouse.with { clickHouse in
            var events = Events()
            // The slot was renamed (sequence 2), and the rename arrives before the first name.
            events.game("acme", "slot", name: "Starburst XXL", category: "slots", sequence: 2)
            events.game("acme", "slot", name: "Starburst", category: "slots", sequence: 1)
            events.game("acme", "dice", name: "Dice", category: "table", sequence: 3)
            events.movement("bet", player: 1, currency: "EUR", units: -100_000, game: "slot", round: "r1")
            events.movement("win", player: 1, currency: "EUR", units: 250_000, game: "slot", round: "r1")
            events.movement("bet", player: 2, currency: "EUR", units: -40_000, game: "dice", round: "r2")
            events.movement("bet", player: 2, currency: "EUR", units: -10_000, game: "mystery", round: "r3")
            // A live table's round id, shared by two players.
            events.movement("bet", player: 1, currency: "EUR", units: -5_000, game: "dice", round: "table-1")
            events.movement("bet", player: 2, currency: "EUR", units: -7_000, game: "dice", round: "table-1")
            events.movement("win", player: 2, currency: "EUR", units: 14_000, game: "dice", round: "table-1")
            try await events.load(into: clickHouse, valuation: nil)
            try await events.load(into: clickHouse, valuation: nil)

            let runner = ReportRunner(clickHouse: clickHouse, scales: ["EUR": 5], pivot: "EUR")
            let byName = try await runner.run(
                ReportSpec(
                    measures: ["turnover", "wins"], dimensions: ["category", "game_name"],
                    filters: [.init(dimension: "currency", values: ["EUR"])],
                    from: .init(Self.today), to: .init(Self.today)))
            #expect(
                byName.rows == [
                    ["", "", "0.10000", "0.00000"], ["slots", "Starburst XXL", "1.00000", "2.50000"],
                    ["table", "Dice", "0.52000", "0.14000"],
                ], "a game without a catalogue event has no name or category")
            let tables = try await runner.run(
                ReportSpec(
                    measures: ["turnover", "active_players"], dimensions: ["country"],
                    filters: [.init(dimension: "currency", values: ["EUR"]), .init(dimension: "category", values: ["table"])],
                    from: .init(Self.today), to: .init(Self.today)))
            #expect(tables.rows == [["", "0.52000", "2"]], "a game filter and a player join in one report")
            #expect(throws: ReportRefusal.dimensionNotApplicable("new_players by category")) {
                try ReportCompiler.compile(
                    ReportSpec(measures: ["new_players"], dimensions: ["category"], from: .init(Self.today), to: .init(Self.today)))
            }

            let rounds = try await clickHouse.execute(
                """
                SELECT provider, round, game, player_id, staked_units, won_units, bets, wins FROM rounds ORDER BY round, player_id
                FORMAT TabSeparated
                """
            )
            #expect(
                rounds.split(separator: "\n") == [
                    "acme\tr1\tslot\t1\t100000\t250000\t1\t1", "acme\tr2\tdice\t2\t40000\t0\t1\t0", "acme\tr3\tmystery\t2\t10000\t0\t1\t0",
                    "acme\ttable-1\tdice\t1\t5000\t0\t1\t0", "acme\ttable-1\tdice\t2\t7000\t14000\t1\t1",
                ], "each player's round once, though its events were loaded twice")
            let counted = try await runner.run(
                ReportSpec(
                    measures: ["rounds"], filters: [.init(dimension: "currency", values: ["EUR"])], from: .init(Self.today),
                    to: .init(Self.today)))
            #expect(counted.rows == [["5"]], "the shared round once for each of its two players")
        }
    }

    @Test func aReportInThePivotSumsEveryValuedCurrency() async throws {
        try await TestClickHouse.with { clickHouse in
            var events = Events()
            events.movement("bet", player: 1, currency: "EUR", units: -100_000, game: "slot", round: "r1")
            // 3 USD (scale 2) at 0.9 EUR → 2.70 EUR; an XYZ bet no rate values.
            events.movement("bet", player: 2, currency: "USD", units: -300, game: "slot", round: "r2")
            events.movement("bet", player: 3, currency: "XYZ", units: -7, game: "slot", round: "r3")
            events.deposit(2, currency: "USD", units: 1_000, first: true)
            try await events.load(into: clickHouse, valuation: FixedRates())

            let runner = ReportRunner(clickHouse: clickHouse, scales: ["EUR": 5, "USD": 2], pivot: "EUR")
            let all = try await runner.run(
                ReportSpec(
                    measures: ["turnover", "active_players", "ftd_amount"], from: .init(Self.today), to: .init(Self.today), pivot: true))
            #expect(all.rows == [["3.70000", "2", "9.00000"]])
            let byCurrency = try await runner.run(
                ReportSpec(measures: ["turnover"], dimensions: ["currency"], from: .init(Self.today), to: .init(Self.today), pivot: true))
            #expect(byCurrency.rows == [["EUR", "1.00000"], ["USD", "2.70000"]], "in the pivot's decimals, whatever the row's currency")
            let usd = try await runner.run(
                ReportSpec(
                    measures: ["turnover"], filters: [.init(dimension: "currency", values: ["USD"])], from: .init(Self.today),
                    to: .init(Self.today)))
            #expect(usd.rows == [["3.00"]], "out of the pivot, a currency's own units")
            #expect(throws: ReportRefusal.currencyRequired) {
                try ReportCompiler.compile(ReportSpec(measures: ["turnover"], from: .init(Self.today), to: .init(Self.today)))
            }
        }
    }

    /// EUR is the pivot; USD (scale 2) is worth 0.9 EUR (scale 5); nothing values XYZ.
    struct FixedRates: PivotValuation {
        let pivot = "EUR"

        func pivotValues(of amounts: [PivotAmount]) async throws -> [Int64?] {
            amounts.map { amount in
                switch amount.currency {
                case "EUR": amount.units
                case "USD": amount.units * 900
                default: nil
                }
            }
        }
    }

    /// Events as the loader reads them, made into its rows.
    struct Events {
        var batch: [(subject: String, sequence: UInt64, payload: String)] = []
        var step: UInt64 = 1_000

        mutating func game(_ provider: String, _ game: String, name: String, category: String, sequence: UInt64) {
            batch.append(
                (
                    "croupier.games.game_changed", sequence,
                    #"{"provider":"\#(provider)","game":"\#(game)","name":"\#(name)","category":"\#(category)"}"#
                ))
        }

        mutating func movement(_ kind: String, player: Int64, currency: String, units: Int64, game: String, round: String) {
            step += 1
            batch.append(
                (
                    "croupier.ledger.\(kind)", step,
                    #"{"transactionId":\#(step),"kind":"\#(kind)","playerId":\#(player),"currency":"\#(currency)","delta":{"real":\#(units),"bonus":0,"locked":0},"metadata":{"provider":"acme","game":"\#(game)","round":"\#(round)"}}"#
                ))
        }

        mutating func deposit(_ player: Int64, currency: String, units: Int64, first: Bool) {
            step += 1
            batch.append(
                (
                    "croupier.payments.deposit_completed", step,
                    #"{"depositId":"dep_\#(step)","playerId":\#(player),"gateway":"stripe","currency":"\#(currency)","units":\#(units),"state":"completed","firstDeposit":\#(first)}"#
                ))
        }

        /// Every event with an id of its own, so that a second load is a redelivery.
        func load(into clickHouse: ClickHouseClient, valuation: (any PivotValuation)?) async throws {
            var rows = EventRows()
            for (index, event) in batch.enumerated() {
                let id = String(format: "00000000-0000-4000-8000-%012d", index)
                let read = rows.add(
                    eventID: id, subject: event.subject, occurredAt: Date(), sequence: event.sequence, payload: Array(event.payload.utf8))
                #expect(read, "\(event.subject)")
            }
            if let valuation { try await rows.value(in: valuation) }
            try await clickHouse.insert(into: "money_movements", rows: rows.money)
            try await clickHouse.insert(into: "payment_facts", rows: rows.payments)
            try await clickHouse.insert(into: "game_facts", rows: rows.games)
        }
    }
}
