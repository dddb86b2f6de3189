import Foundation
import TestSupport
import Testing

@testable import Reporting

/// New players, first deposits and the players' dimensions (docs/reports.md): a player's country,
/// KYC level and segments are the values of their latest events by sequence, also when the
/// events arrive out of order or twice, and a filter on a dimension new players do not have
/// (the currency) does not hide them.
@Suite struct PlayerDimensionsReportTests {
    static let today = ReportCompiler.text(Date())

    @Test func dimensionsAreTheLatestBySequenceWhateverTheOrderOfArrival() async throws {
        try await TestClickHouse.with { clickHouse in
            var events = Events()
            for player in Int64(1)...4 { events.player(player, "player_registered", #""language":"en""#, sequence: player) }
            // Player 1 moved from FR to DE, but the DE event arrives first; player 2's level fell to 0.
            events.player(1, "profile_changed", #""country":"DE""#, sequence: 20, context: "compliance")
            events.player(1, "profile_changed", #""country":"FR""#, sequence: 10, context: "compliance")
            events.player(2, "profile_changed", #""country":"FR""#, sequence: 11, context: "compliance")
            events.player(1, "kyc_level_changed", #""level":2"#, sequence: 30, context: "compliance")
            events.player(2, "kyc_level_changed", #""level":0"#, sequence: 32, context: "compliance")
            events.player(2, "kyc_level_changed", #""level":1"#, sequence: 31, context: "compliance")
            events.player(1, "player_segments_changed", #""segments":["vip"]"#, sequence: 40)
            events.player(2, "player_segments_changed", #""segments":["high_risk"]"#, sequence: 42)
            events.player(2, "player_segments_changed", #""segments":["vip","high_risk"]"#, sequence: 41)
            events.deposit(1, units: 500_000, first: true, gateway: "stripe", sequence: 50)
            events.deposit(1, units: 300_000, first: false, gateway: "stripe", sequence: 51)
            events.deposit(2, units: 700_000, first: true, gateway: "nowpayments", sequence: 52)
            events.bet(1, units: 100_000)
            events.bet(2, units: 200_000)
            events.bet(4, units: 50_000)
            try await events.load(into: clickHouse)
            // A redelivered batch: the same events again, counted once.
            try await events.load(into: clickHouse)

            let runner = ReportRunner(clickHouse: clickHouse, scales: ["EUR": 5], pivot: "EUR")
            let byCountry = try await runner.run(
                ReportSpec(
                    measures: ["new_players", "ftd_count", "ftd_amount", "active_players", "turnover"], dimensions: ["country"],
                    filters: [.init(dimension: "currency", values: ["EUR"])], from: .init(Self.today), to: .init(Self.today)))
            #expect(
                byCountry.rows == [
                    ["", "2", "0", "0.00000", "1", "0.50000"],
                    ["DE", "1", "1", "5.00000", "1", "1.00000"],
                    ["FR", "1", "1", "7.00000", "1", "2.00000"],
                ])
            let byLevel = try await runner.run(
                ReportSpec(measures: ["new_players"], dimensions: ["kyc_level"], from: .init(Self.today), to: .init(Self.today)))
            #expect(byLevel.rows == [["0", "3"], ["2", "1"]], "a player never levelled is at level 0")
            let vip = try await runner.run(
                ReportSpec(
                    measures: ["ftd_count", "new_players"], dimensions: ["segment"],
                    filters: [.init(dimension: "segment", values: ["vip"])],
                    from: .init(Self.today), to: .init(Self.today)))
            #expect(vip.rows == [["vip", "1", "1"]], "player 2 left vip in its latest event")
            let byGateway = try await runner.run(
                ReportSpec(
                    measures: ["ftd_count", "ftd_amount", "deposits"], dimensions: ["gateway", "currency"], from: .init(Self.today),
                    to: .init(Self.today)))
            #expect(
                byGateway.rows.filter { $0[0] != "" } == [
                    ["nowpayments", "EUR", "1", "7.00000", "0.00000"], ["stripe", "EUR", "1", "5.00000", "0.00000"],
                ])
        }
    }

    /// Events as the loader reads them, made into its rows.
    struct Events {
        var batch: [(subject: String, sequence: UInt64, payload: String)] = []
        var step: UInt64 = 1_000

        mutating func player(_ id: Int64, _ event: String, _ fields: String, sequence: Int64, context: String = "identity") {
            batch.append(("croupier.\(context).\(event)", UInt64(sequence), #"{"playerId":\#(id),\#(fields)}"#))
        }

        mutating func deposit(_ player: Int64, units: Int64, first: Bool, gateway: String, sequence: UInt64) {
            batch.append(
                (
                    "croupier.payments.deposit_completed", sequence,
                    #"{"depositId":"dep_\#(sequence)","playerId":\#(player),"gateway":"\#(gateway)","currency":"EUR","units":\#(units),"state":"completed","firstDeposit":\#(first)}"#
                ))
        }

        mutating func bet(_ player: Int64, units: Int64) {
            step += 1
            batch.append(
                (
                    "croupier.ledger.bet", step,
                    #"{"transactionId":\#(step),"kind":"bet","playerId":\#(player),"currency":"EUR","delta":{"real":-\#(units),"bonus":0,"locked":0},"metadata":{"provider":"acme","game":"slot","round":"r\#(step)"}}"#
                ))
        }

        /// Every event with an id of its own, so that a second load is a redelivery.
        func load(into clickHouse: ClickHouseClient) async throws {
            var rows = EventRows()
            for (index, event) in batch.enumerated() {
                let id = String(format: "00000000-0000-4000-8000-%012d", index)
                let read = rows.add(
                    eventID: id, subject: event.subject, occurredAt: Date(), sequence: event.sequence, payload: Array(event.payload.utf8))
                #expect(read, "\(event.subject)")
            }
            try await clickHouse.insert(into: "money_movements", rows: rows.money)
            try await clickHouse.insert(into: "player_facts", rows: rows.players)
            try await clickHouse.insert(into: "payment_facts", rows: rows.payments)
        }
    }
}
