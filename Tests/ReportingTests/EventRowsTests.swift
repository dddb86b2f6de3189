import Core
import Foundation
import TestSupport
import Testing

@testable import Reporting

/// What the loader makes of each event, and how its rows travel: as JSONEachRow, so that any
/// text (quotes, backslashes, NUL, any script) arrives in ClickHouse exactly as it left.
@Suite struct EventRowsTests {
    static let eventID = "0b1c5e2a-4d7e-4a8b-9c1f-2e3d4c5b6a79"
    static let at = Date(timeIntervalSince1970: 1_800_000_000.75)

    @Test func aLedgerEventIsARawRowAndAMoneyFact() {
        var rows = EventRows()
        let payload =
            #"{"transactionId":42,"kind":"win","playerId":7,"currency":"EUR","idempotencyKey":"hub88:p:t","delta":{"real":150,"bonus":50,"locked":0},"balance":{"real":1,"bonus":2,"locked":0},"reference":41,"house":"games:hub88","metadata":{"provider":"hub88","game":"slot","round":"r1"}}"#
        let read = rows.add(
            eventID: Self.eventID, subject: "croupier.ledger.win", occurredAt: Self.at, sequence: 9, payload: Array(payload.utf8))
        #expect(read)
        #expect(rows.raw.count == 1 && rows.raw[0].occurredAt == "2027-01-15 08:00:00")
        #expect(
            rows.money == [
                EventRows.Money(
                    eventID: Self.eventID, occurredAt: "2027-01-15 08:00:00", transactionID: 42, kind: "win", playerID: 7, currency: "EUR",
                    realUnits: 150, bonusUnits: 50, lockedUnits: 0, debtUnits: 0, referenceID: 41, house: "games:hub88", provider: "hub88",
                    game: "slot",
                    round: "r1", gateway: "", moment: Self.at)
            ])
    }

    /// The loader's own date arithmetic against Foundation's UTC calendar: leap days of years
    /// divisible by 4, 100 and 400, both sides of 1970, the last fraction of a second, and a
    /// spread of instants over three centuries.
    @Test func dateTimeAgreesWithTheCalendar() {
        func calendar(_ date: Date) -> String {
            let parts = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
            let numbers = [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second].map { $0 ?? 0 }
            return String(format: "%04d-%02d-%02d %02d:%02d:%02d", numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5])
        }
        let fixed: [(TimeInterval, String)] = [
            (0, "1970-01-01 00:00:00"), (-0.25, "1969-12-31 23:59:59"), (-86_400, "1969-12-31 00:00:00"),
            (951_782_400, "2000-02-29 00:00:00"), (4_107_542_399.999, "2100-02-28 23:59:59"), (4_107_542_400, "2100-03-01 00:00:00"),
            (1_709_164_800, "2024-02-29 00:00:00"), (-2_203_891_200, "1900-03-01 00:00:00"), (1_800_000_000.75, "2027-01-15 08:00:00"),
        ]
        for (seconds, text) in fixed {
            #expect(EventRows.dateTime(Date(timeIntervalSince1970: seconds)) == text, "\(seconds)")
        }
        var generator = SplitMix64(seed: 10)
        for _ in 0..<20_000 {
            let date = Date(timeIntervalSince1970: Double(Int64(generator.next() % 9_500_000_000) - 2_300_000_000) + 0.5)
            #expect(EventRows.dateTime(date) == calendar(date), "\(date.timeIntervalSince1970)")
        }
    }

    @Test func playerEventsSetAttributesAndPaymentEventsArePaymentFacts() {
        var rows = EventRows()
        let events: [(String, String)] = [
            ("croupier.identity.player_registered", #"{"playerId":7,"language":"ru"}"#),
            ("croupier.identity.player_segments_changed", #"{"playerId":7,"segments":["vip","high_risk"]}"#),
            ("croupier.compliance.profile_changed", #"{"playerId":7,"country":"DE"}"#),
            ("croupier.compliance.kyc_level_changed", #"{"playerId":7,"level":2}"#),
            ("croupier.games.game_changed", #"{"provider":"acme","game":"slot","name":"Starburst","category":"slots"}"#),
            (
                "croupier.payments.deposit_completed",
                #"{"depositId":"dep_1","playerId":7,"gateway":"stripe","currency":"EUR","units":500,"state":"completed","firstDeposit":true}"#
            ),
            (
                "croupier.payments.withdrawal_paid",
                #"{"withdrawalId":"wd_1","playerId":7,"gateway":"stripe","currency":"EUR","units":300,"feeUnits":5,"state":"paid"}"#
            ),
        ]
        for (sequence, (subject, payload)) in events.enumerated() {
            let read = rows.add(
                eventID: Self.eventID, subject: subject, occurredAt: Self.at, sequence: UInt64(sequence), payload: Array(payload.utf8))
            #expect(read, "\(subject)")
        }
        #expect(rows.raw.count == 7 && rows.money.isEmpty)
        #expect(
            rows.games == [
                EventRows.GameFact(
                    eventID: Self.eventID, occurredAt: "2027-01-15 08:00:00", sequence: 4, provider: "acme", game: "slot",
                    name: "Starburst",
                    category: "slots")
            ])
        #expect(
            rows.players.map { [$0.attribute, $0.value] } == [
                ["registered", "ru"], ["segments", "high_risk,vip"], ["country", "DE"], ["kyc_level", "2"],
            ])
        #expect(rows.players.map(\.sequence) == [0, 1, 2, 3] && rows.players.allSatisfy { $0.playerID == 7 })
        #expect(
            rows.payments == [
                EventRows.PaymentFact(
                    eventID: Self.eventID, occurredAt: "2027-01-15 08:00:00", sequence: 5, event: "deposit_completed", paymentID: "dep_1",
                    playerID: 7, gateway: "stripe", currency: "EUR", units: 500, feeUnits: 0, firstDeposit: 1, moment: Self.at),
                EventRows.PaymentFact(
                    eventID: Self.eventID, occurredAt: "2027-01-15 08:00:00", sequence: 6, event: "withdrawal_paid", paymentID: "wd_1",
                    playerID: 7, gateway: "stripe", currency: "EUR", units: 300, feeUnits: 5, firstDeposit: 0, moment: Self.at),
            ])
    }

    @Test func otherEventsAreRawOnlyAndUnreadableOnesAreReported() {
        var rows = EventRows()
        let other = rows.add(
            eventID: Self.eventID, subject: "facts.bonuses.granted", occurredAt: Self.at, sequence: 1, payload: Array("{}".utf8))
        let unreadable = [
            ("facts.ledger.bet", #"{"kind":1}"#), ("facts.payments.deposit_completed", "{}"),
            ("facts.identity.player_registered", #"{"playerId":"7"}"#), ("facts.compliance.kyc_level_changed", #"{"playerId":7}"#),
            ("facts.games.game_changed", #"{"provider":"acme","game":"slot"}"#),
        ].map { subject, payload in
            rows.add(eventID: Self.eventID, subject: subject, occurredAt: Self.at, sequence: 2, payload: Array(payload.utf8))
        }
        #expect(other && unreadable == [false, false, false, false, false])
        #expect(rows.raw.count == 6 && rows.money.isEmpty && rows.players.isEmpty && rows.payments.isEmpty && rows.games.isEmpty)
    }

    @Test func hostileTextArrivesExactly() async throws {
        try await TestClickHouse.with { clickHouse in
            let hostile = "'; DROP TABLE events; -- \\\\ \\\" \u{0} \u{7} ünïcødé 🎰 \n\t\r"
            var rows = EventRows()
            rows.add(
                eventID: Self.eventID, subject: "croupier.bonuses.granted", occurredAt: Self.at, sequence: 1, payload: Array(hostile.utf8))
            try await clickHouse.insert(into: "events", rows: rows.raw)
            let stored = try await clickHouse.execute("SELECT hex(payload) FROM events FORMAT TabSeparated")
            #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines) == hostile.utf8.map { String(format: "%02X", $0) }.joined())
        }
    }
}
