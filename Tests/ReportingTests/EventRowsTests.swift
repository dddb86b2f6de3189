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
            #"{"transactionId":42,"kind":"win","playerId":7,"currency":"EUR","idempotencyKey":"hub88:p:t","delta":{"real":150,"bonus":50,"locked":0},"balance":{"real":1,"bonus":2,"locked":0},"reference":41,"metadata":{"provider":"hub88","game":"slot","round":"r1"}}"#
        let read = rows.add(eventID: Self.eventID, subject: "croupier.ledger.win", occurredAt: Self.at, payload: Array(payload.utf8))
        #expect(read)
        #expect(rows.raw.count == 1 && rows.raw[0].occurredAt == "2027-01-15 08:00:00")
        #expect(
            rows.money == [
                EventRows.Money(
                    eventID: Self.eventID, occurredAt: "2027-01-15 08:00:00", transactionID: 42, kind: "win", playerID: 7, currency: "EUR",
                    realUnits: 150, bonusUnits: 50, lockedUnits: 0, debtUnits: 0, referenceID: 41, provider: "hub88", game: "slot",
                    round: "r1", gateway: "")
            ])
    }

    @Test func otherEventsAreRawOnlyAndAnUnreadableLedgerEventIsReported() {
        var rows = EventRows()
        let other = rows.add(
            eventID: Self.eventID, subject: "facts.payments.deposit_completed", occurredAt: Self.at, payload: Array("{}".utf8))
        let unreadable = rows.add(
            eventID: Self.eventID, subject: "facts.ledger.bet", occurredAt: Self.at, payload: Array(#"{"kind":1}"#.utf8))
        #expect(other && !unreadable)
        #expect(rows.raw.count == 2 && rows.money.isEmpty)
    }

    @Test func hostileTextArrivesExactly() async throws {
        try await TestClickHouse.with { clickHouse in
            let hostile = "'; DROP TABLE events; -- \\\\ \\\" \u{0} \u{7} ünïcødé 🎰 \n\t\r"
            var rows = EventRows()
            rows.add(
                eventID: Self.eventID, subject: "croupier.identity.player_registered", occurredAt: Self.at, payload: Array(hostile.utf8))
            try await clickHouse.insert(into: "events", rows: rows.raw)
            let stored = try await clickHouse.execute("SELECT hex(payload) FROM events FORMAT TabSeparated")
            #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines) == hostile.utf8.map { String(format: "%02X", $0) }.joined())
        }
    }
}
