import Foundation
import TestSupport
import Testing

@testable import Reporting

/// A month that is over and has several parts is merged into one, its copies gone; the month
/// still open is left to ClickHouse's background merges (docs/reports.md "Speed").
@Suite struct FactsCompactionTests {
    @Test func closedMonthsAreMergedIntoOnePartAndLoseTheirCopies() async throws {
        try await TestClickHouse.with { clickHouse in
            let formatter = ISO8601DateFormatter()
            var rows = EventRows()
            for (index, at) in ["2026-10-03T10:00:00Z", "2026-10-20T10:00:00Z", "2026-11-02T10:00:00Z"].enumerated() {
                let payload =
                    #"{"transactionId":\#(index + 1),"kind":"bet","playerId":1,"currency":"EUR","delta":{"real":-100,"bonus":0,"locked":0}}"#
                rows.add(
                    eventID: String(format: "00000000-0000-4000-8000-%012d", index), subject: "croupier.ledger.bet",
                    occurredAt: try #require(formatter.date(from: at)), sequence: UInt64(index + 1), payload: Array(payload.utf8))
            }
            // Three inserts: three parts in each month, the same rows again and again.
            for _ in 0..<3 { try await clickHouse.insert(into: "money_movements", rows: rows.money) }
            let compaction = FactsCompaction(clickHouse: clickHouse, logger: TestServices.logger)
            let merged = try await compaction.compact(now: try #require(formatter.date(from: "2026-11-20T00:00:00Z")))
            #expect(merged == ["money_movements/202610"], "November is still open")
            let parts = try await clickHouse.execute(
                """
                SELECT partition, count() FROM system.parts WHERE database = currentDatabase() AND table = 'money_movements' AND active
                GROUP BY partition ORDER BY partition FORMAT TabSeparated
                """)
            #expect(parts.split(separator: "\n") == ["202610\t1", "202611\t3"])
            let rowsLeft = try await clickHouse.execute(
                "SELECT toYYYYMM(occurred_at) AS m, count() FROM money_movements GROUP BY m ORDER BY m FORMAT TabSeparated")
            #expect(rowsLeft.split(separator: "\n") == ["202610\t2", "202611\t3"], "October's copies are gone; November keeps its three")
            #expect(try await compaction.compact(now: try #require(formatter.date(from: "2026-11-20T00:00:00Z"))).isEmpty)
        }
    }
}
