import Foundation
import Logging
import Persistence
import ServiceLifecycle

/// Merges each closed month of the facts into one part (docs/reports.md "Speed"). Reports read
/// with `FINAL`, which ClickHouse 18 merges in one thread per slice at query time, part against
/// part; a month merged into one part also has its redelivered copies gone for good, and a
/// report over it reads one part per month. ClickHouse's own background merges leave a handful of
/// large parts per month; this finishes the job once a month is over. A month that gains rows
/// later (a loader catching up after an outage, a new consumer version loading the stream again)
/// has several parts again and is merged again on the next round. Copies run it under the lease
/// `leaseName`; a second copy running it at once would only wait on ClickHouse's merge.
public struct FactsCompaction: Service {
    public static let leaseName = "reports-compaction"
    /// The partitioned tables, by month of their business time.
    static let tables = ["events", "money_movements", "player_facts", "payment_facts", "game_facts"]

    let clickHouse: ClickHouseClient
    let logger: Logger
    let interval: Duration

    /// `clickHouse` should allow a merge its time: a month of a busy casino takes minutes.
    public init(clickHouse: ClickHouseClient, logger: Logger, interval: Duration = .seconds(3_600)) {
        self.clickHouse = clickHouse
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        try await RepeatingJob("facts compaction", every: interval, logger: logger) { [self] in _ = try await compact() }.run()
    }

    /// One round: every partition of a month that ended over a day before `now` and has more than
    /// one active part is merged with `OPTIMIZE … FINAL`. Returns them as `table/partition`.
    @discardableResult
    public func compact(now: Date = Date()) async throws -> [String] {
        let open = Self.month(of: now.addingTimeInterval(-86_400))
        let names = Self.tables.map { "'\($0)'" }.joined(separator: ", ")
        let answer = try await clickHouse.execute(
            """
            SELECT table, partition FROM system.parts
             WHERE database = currentDatabase() AND active AND table IN (\(names))
             GROUP BY table, partition HAVING count() > 1 AND toUInt32(partition) < \(open)
             ORDER BY table, partition FORMAT TabSeparated
            """)
        var merged: [String] = []
        for line in answer.split(separator: "\n") {
            let fields = line.split(separator: "\t").map(String.init)
            // Names from the list above, partitions as ClickHouse wrote them: six digits.
            guard fields.count == 2, Self.tables.contains(fields[0]), fields[1].count == 6, fields[1].allSatisfy(\.isASCII),
                fields[1].allSatisfy(\.isNumber)
            else { continue }
            try await clickHouse.execute("OPTIMIZE TABLE \(fields[0]) PARTITION \(fields[1]) FINAL")
            merged.append("\(fields[0])/\(fields[1])")
        }
        if !merged.isEmpty { logger.info("merged closed months of the facts", metadata: ["partitions": "\(merged)"]) }
        return merged
    }

    /// `YYYYMM` of `date` in UTC, as the tables' partitions are named.
    static func month(of date: Date) -> Int {
        let parts = Calendar.utc.dateComponents([.year, .month], from: date)
        return (parts.year ?? 0) * 100 + (parts.month ?? 0)
    }
}
