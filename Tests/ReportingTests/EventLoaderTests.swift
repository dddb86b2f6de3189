import Core
import Events
import Foundation
import Ledger
import Persistence
import TestSupport
import Testing

@testable import Reporting

/// The analytics pipeline end to end: ledger operations → outbox → relay → JetStream → loader →
/// ClickHouse, through crashes of NATS and of ClickHouse on the way (servers of the test's own). Every event must reach ClickHouse exactly once: its
/// counts and sums per kind and currency equal the PostgreSQL ledger's.
@Suite struct EventLoaderTests {
    static let operations = 10_000

    @Test(.timeLimit(.minutes(10))) func everyLedgerEventReachesClickHouseOnceThroughANATSKillAndAClickHouseKill() async throws {
        try await TestDatabase.with { database in
            let server = try PrivateNATSServer()
            try await server.start()
            let analytics = try PrivateClickHouseServer()
            try await analytics.start()
            // A short timeout, so that the loader's inserts fail while ClickHouse is down rather
            // than wait for it to come back.
            let clickHouse = ClickHouseClient(endpoint: try ClickHouseEndpoint(analytics.url(database: "facts")), timeout: .seconds(2))
            try await clickHouse.execute("CREATE DATABASE facts", database: .some(nil))
            try await ClickHouseMigrator(client: clickHouse, migrations: try .clickHouse(), logger: TestServices.logger).migrate()
            let link = NATSLink(url: server.url, connectTimeout: .seconds(5))
            let stream = EventStream(name: "FACTS")
            let relay = OutboxRelay(database: database, link: link, stream: stream, logger: TestServices.logger)
            let loader = EventLoader(
                link: link, stream: stream, clickHouse: clickHouse, valuation: nil, logger: TestServices.logger, batchSize: 200)
            let ledger = Ledger(database: database, logger: TestServices.logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await relay.run() }
                group.addTask { try await loader.run() }
                try await Self.burst(ledger, operations: Self.operations / 2)
                // NATS dies as a crash would, mid-burst, and comes back on its store.
                server.kill()
                try await Self.burst(ledger, operations: Self.operations / 4, offset: Self.operations / 2)
                try await server.start()
                try await Self.waitUntilLoaded(database: database, clickHouse: clickHouse)
                // Then ClickHouse dies the same way, mid-burst: batches handed out are not
                // acknowledged and come again, some of their rows already written.
                let quarter = Task { try await Self.burst(ledger, operations: Self.operations / 4, offset: Self.operations * 3 / 4) }
                try await Task.sleep(for: .milliseconds(300))
                analytics.kill()
                try await quarter.value
                try await Task.sleep(for: .seconds(3))
                try await analytics.start()
                try await Self.waitUntilLoaded(database: database, clickHouse: clickHouse)
                group.cancelAll()
            }
            await link.close()
            let postgres = try await Self.postgresFigures(database)
            #expect(postgres.count > 1, "several kinds and currencies")
            #expect(try await Self.clickHouseFigures(clickHouse) == postgres, "counts and sums per kind and currency")
            let raw = try await clickHouse.execute("SELECT count() FROM events FINAL FORMAT TabSeparated")
            #expect(Int(raw.trimmingCharacters(in: .whitespacesAndNewlines)) == (try await Self.outboxCount(database)))
        }
    }

    /// `operations` ledger operations by 8 workers: each player deposits, then bets and wins in
    /// turn (a win names its bet), in EUR or USD.
    static func burst(_ ledger: Ledger, operations: Int, offset: Int = 0) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for step in stride(from: offset + worker, to: offset + operations, by: 8) {
                        let player = PlayerID(Int64(1 + step % 40))
                        let currency = step % 40 < 20 ? "EUR" : "USD"
                        let round = step / 40
                        let movement: Movement =
                            switch round % 3 {
                            case 0: .deposit(units: 1_000, gateway: .payments("sandbox"))
                            case 1: .bet(units: 300, house: .games("acme"))
                            default:
                                .win(
                                    units: Int64(step % 500), house: .games("acme"),
                                    bet: IdempotencyKey(scope: "burst", key: "\(step - 40)"))
                            }
                        let outcome = try await ledger.apply(
                            LedgerOperation(
                                key: IdempotencyKey(scope: "burst", key: "\(step)"), player: player, currency: currency, movement: movement,
                                metadata: ["provider": "acme", "game": "slot", "round": "r\(round)"]))
                        // A win of 0 units is the ledger's `invalidAmount`; everything else applies.
                        if outcome.code != .ok && outcome.code != .invalidAmount {
                            Issue.record("operation \(step): \(outcome.code)")
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    static func waitUntilLoaded(database: Database, clickHouse: ClickHouseClient) async throws {
        let expected = try await outboxCount(database)
        while true {
            let loaded = try? await clickHouse.execute("SELECT count() FROM events FINAL FORMAT TabSeparated")
            if Int(loaded?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") == expected,
                let facts = try? await clickHouseFigures(clickHouse), facts == (try await postgresFigures(database))
            {
                return
            }
            try await Task.sleep(for: .milliseconds(500))
        }
    }

    static func outboxCount(_ database: Database) async throws -> Int {
        try await database.withConnection { connection in
            for try await count in try await connection.query("SELECT count(*)::int FROM outbox", logger: TestServices.logger).decode(
                Int.self)
            {
                return count
            }
            return 0
        }
    }

    /// kind, currency, count and the sums of real, bonus and locked, one line each.
    static func postgresFigures(_ database: Database) async throws -> [String] {
        try await database.withConnection { connection in
            var lines: [String] = []
            let rows = try await connection.query(
                """
                SELECT kind, currency, count(*)::bigint, sum(real_delta)::bigint, sum(bonus_delta)::bigint, sum(locked_delta)::bigint
                  FROM ledger_transactions GROUP BY kind, currency ORDER BY kind, currency
                """, logger: TestServices.logger)
            for try await (kind, currency, count, real, bonus, locked) in rows.decode((String, String, Int64, Int64, Int64, Int64).self) {
                lines.append([kind, currency, String(count), String(real), String(bonus), String(locked)].joined(separator: "\t"))
            }
            return lines
        }
    }

    static func clickHouseFigures(_ clickHouse: ClickHouseClient) async throws -> [String] {
        let text = try await clickHouse.execute(
            """
            SELECT kind, currency, count(), sum(real_units), sum(bonus_units), sum(locked_units)
              FROM money_movements FINAL GROUP BY kind, currency ORDER BY kind, currency FORMAT TabSeparated
            """)
        return text.split(separator: "\n").map(String.init)
    }
}
