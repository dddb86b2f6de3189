import Events
import Foundation
import Logging
import Persistence
import Reporting
import Schema

/// The report benchmark's work (bench/README.md "bench/reports"): money facts generated inside
/// ClickHouse for the query, and ledger events through JetStream for the loader, each measured
/// beside what ClickHouse does on its own with the same rows.
struct ReportsWorkload {
    let clickHouseURL: String
    let natsURL: String
    let logger: Logger

    struct QueryFigures {
        let generationSeconds: Double
        /// money_movements' active parts when the report ran, and the months compaction merged.
        let parts: String
        let compacted: [String]
        let reportRuns: [Double]
        let reportSeconds: Double
        let plainSeconds: Double
        let rows: Int
    }

    struct LoaderFigures {
        let loaderSeconds: Double
        let insertSeconds: Double
    }

    static let providers = 20
    static let games = 400

    /// A migrated scratch database of the configured server.
    func scratch(_ name: String) async throws -> ClickHouseClient {
        let client = ClickHouseClient(endpoint: try ClickHouseEndpoint(clickHouseURL).with(database: name), timeout: .seconds(900))
        try await client.execute("DROP DATABASE IF EXISTS \(name)", database: .some(nil))
        try await ClickHouseMigrator(client: client, migrations: try .clickHouse(), logger: logger).migrate()
        return client
    }

    func drop(_ client: ClickHouseClient) async throws {
        guard let name = client.endpoint.database else { return }
        try await client.execute("DROP DATABASE IF EXISTS \(name)", database: .some(nil))
    }

    // MARK: - The report

    /// Generates `movements` bets (60 %) and wins over `days` days ending yesterday, in chunks of a
    /// million, then runs GGR by day × provider through the report builder (one warm-up, then
    /// `runs` timed) and the same figures as plain SQL without FINAL.
    func queryPhase(movements: Int, days: Int, runs: Int) async throws -> QueryFigures {
        let clickHouse = try await scratch("bench_reports_query")
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let today = calendar.startOfDay(for: Date())
        guard let start = calendar.date(byAdding: .day, value: -days, to: today) else { throw ReportsBenchError.dates }
        let first = Int(start.timeIntervalSince1970)
        let span = days * 86_400
        let generation = ContinuousClock.now
        let chunk = 1_000_000
        for offset in stride(from: 0, to: movements, by: chunk) {
            let count = min(chunk, movements - offset)
            try await clickHouse.execute(
                """
                INSERT INTO money_movements (event_id, occurred_at, transaction_id, kind, player_id, currency, real_units, bonus_units,
                                             locked_units, debt_units, reference_id, provider, game, round, gateway)
                SELECT generateUUIDv4(), toDateTime(\(first) + intDiv(n * \(span), \(movements))), toInt64(n),
                       if(n % 5 < 3, 'bet', 'win'), toInt64(cityHash64(n) % 100000), 'EUR',
                       if(n % 5 < 3, -toInt64(1000 + cityHash64(n, 1) % 99000), toInt64(cityHash64(n, 2) % 150000)),
                       toInt64(0), toInt64(0), toInt64(0), toInt64(0),
                       concat('provider', toString(n % \(Self.providers))), concat('game', toString(n % \(Self.games))),
                       toString(intDiv(n, 2)), ''
                  FROM (SELECT number + \(offset) AS n FROM numbers(\(count)))
                """)
        }
        let generationSeconds = Self.seconds(since: generation)
        // A table filled over months has had its parts merged in the background as it grew; the
        // report is timed once ClickHouse has merged what it chooses to.
        var idle = 0
        while idle < 3 {
            let merging = try await clickHouse.execute(
                "SELECT count() FROM system.merges WHERE database = currentDatabase() FORMAT TabSeparated")
            idle = merging.trimmingCharacters(in: .whitespacesAndNewlines) == "0" ? idle + 1 : 0
            try await Task.sleep(for: .seconds(1))
        }
        // The worker's compaction has merged every month that is over (docs/reports.md "Speed").
        let compacted = try await FactsCompaction(clickHouse: clickHouse, logger: logger).compact()
        let parts = try await clickHouse.execute(
            "SELECT count() FROM system.parts WHERE database = currentDatabase() AND table = 'money_movements' AND active FORMAT TabSeparated"
        ).trimmingCharacters(in: .whitespacesAndNewlines)

        let runner = ReportRunner(clickHouse: clickHouse, scales: ["EUR": 5], pivot: "EUR")
        let spec = ReportSpec(
            measures: ["ggr"], dimensions: ["time", "provider"], filters: [.init(dimension: "currency", values: ["EUR"])],
            from: .init(start), to: .init(today.addingTimeInterval(-86_400)), grain: "day", limit: 10_000)
        var reportRuns: [Double] = []
        var rows = 0
        for run in 0...runs {
            let began = ContinuousClock.now
            rows = try await runner.run(spec).rows.count
            if run > 0 { reportRuns.append(Self.seconds(since: began)) }
        }
        let plain = """
            SELECT toDate(occurred_at) AS day, provider,
                   sumIf(-(real_units + bonus_units), kind = 'bet') - sumIf(real_units + bonus_units, kind = 'win') AS ggr
              FROM money_movements
             WHERE currency = 'EUR' AND occurred_at >= toDateTime(\(first)) AND occurred_at < toDateTime(\(first + span))
             GROUP BY day, provider ORDER BY day, provider FORMAT TabSeparated
            """
        var plainRuns: [Double] = []
        var plainRows = 0
        for run in 0...runs {
            let began = ContinuousClock.now
            plainRows = try await clickHouse.execute(plain).split(separator: "\n").count
            if run > 0 { plainRuns.append(Self.seconds(since: began)) }
        }
        try await drop(clickHouse)
        guard rows == plainRows, rows == days * Self.providers else { throw ReportsBenchError.rowsDiffer(report: rows, plain: plainRows) }
        return QueryFigures(
            generationSeconds: generationSeconds, parts: parts, compacted: compacted, reportRuns: reportRuns,
            reportSeconds: Self.median(reportRuns),
            plainSeconds: Self.median(plainRuns), rows: rows)
    }

    // MARK: - The loader

    /// Publishes `events` ledger events to a scratch stream, then times the event loader from its
    /// start until ClickHouse holds them all; then times ClickHouse inserting the same rows,
    /// encoded before the clock, in INSERTs of 50,000 events.
    func loaderPhase(events: Int, batch: Int) async throws -> LoaderFigures {
        let stream = EventStream(name: "BENCHREPORTS")
        let link = NATSLink(url: natsURL, connectTimeout: .seconds(10))
        let jetStream = JetStream(connection: try await link.connection())
        try? await jetStream.deleteStream(name: stream.name)
        try await jetStream.ensureStream(name: stream.name, subjects: stream.subjects, maxAgeDays: 1)
        let published = Self.events(events, prefix: stream.subjectPrefix)
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Publishes in flight at once: each waits for the stream's acknowledgement.
            let lanes = 64
            for lane in 0..<lanes {
                group.addTask {
                    for index in stride(from: lane, to: published.count, by: lanes) {
                        let event = published[index]
                        _ = try await jetStream.publish(
                            subject: event.subject, messageID: event.id, headers: event.headers, payload: event.payload)
                    }
                }
            }
            try await group.waitForAll()
        }

        let loaded = try await scratch("bench_reports_loader")
        let loader = EventLoader(link: link, stream: stream, clickHouse: loaded, valuation: nil, logger: logger, batchSize: batch)
        let began = ContinuousClock.now
        let running = Task { try await loader.run() }
        while try await Self.count(loaded) < events { try await Task.sleep(for: .milliseconds(100)) }
        let loaderSeconds = Self.seconds(since: began)
        running.cancel()
        _ = try? await running.value
        try await jetStream.deleteStream(name: stream.name)
        await link.close()

        let direct = try await scratch("bench_reports_insert")
        var bodies: [(events: String, money: String)] = []
        let encoder = JSONEncoder()
        for start in stride(from: 0, to: published.count, by: 50_000) {
            var rows = EventRows()
            for event in published[start..<min(start + 50_000, published.count)] {
                rows.add(eventID: event.id, subject: event.subject, occurredAt: event.at, sequence: event.sequence, payload: event.payload)
            }
            bodies.append(
                (
                    try Self.insert("events", rows.raw, encoder: encoder),
                    try Self.insert("money_movements", rows.money, encoder: encoder)
                ))
        }
        let inserting = ContinuousClock.now
        for body in bodies {
            try await direct.execute(body.events)
            try await direct.execute(body.money)
        }
        let insertSeconds = Self.seconds(since: inserting)
        guard try await Self.count(direct) == events else { throw ReportsBenchError.insertIncomplete }
        try await drop(loaded)
        try await drop(direct)
        return LoaderFigures(loaderSeconds: loaderSeconds, insertSeconds: insertSeconds)
    }

    struct Event: Sendable {
        let id: String
        let subject: String
        let at: Date
        let sequence: UInt64
        let headers: [String: String]
        let payload: [UInt8]
    }

    /// Bets and wins of 10,000 players on 20 providers, as the relay publishes them.
    static func events(_ count: Int, prefix: String) -> [Event] {
        let now = Date()
        return (0..<count).map { index in
            let kind = index % 5 < 3 ? "bet" : "win"
            let units = kind == "bet" ? -(1_000 + index % 99_000) : index % 150_000
            let id = UUID().uuidString.lowercased()
            let at = now.addingTimeInterval(-Double(count - index) / 1_000)
            let payload = """
                {"transactionId":\(index + 1),"kind":"\(kind)","playerId":\(index % 10_000),"currency":"EUR","idempotencyKey":"bench:\(index)",\
                "delta":{"real":\(units),"bonus":0,"locked":0},"balance":{"real":0,"bonus":0,"locked":0},"reference":null,\
                "metadata":{"provider":"provider\(index % providers)","game":"game\(index % games)","round":"\(index / 2)"}}
                """
            return Event(
                id: id, subject: "\(prefix).ledger.\(kind)", at: at, sequence: UInt64(index + 1),
                headers: [
                    "Nats-Msg-Id": id, EventHeaders.occurredAt: EventHeaders.text(at), EventHeaders.sequence: String(index + 1),
                ], payload: Array(payload.utf8))
        }
    }

    static func insert<Row: Encodable>(_ table: String, _ rows: [Row], encoder: JSONEncoder) throws -> String {
        var body = "INSERT INTO \(table) FORMAT JSONEachRow\n"
        for row in rows { body += String(decoding: try encoder.encode(row), as: UTF8.self) + "\n" }
        return body
    }

    static func count(_ clickHouse: ClickHouseClient) async throws -> Int {
        Int(try await clickHouse.execute("SELECT count() FROM events FORMAT TabSeparated").trimmingCharacters(in: .whitespacesAndNewlines))
            ?? 0
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }
}

enum ReportsBenchError: Error {
    case dates
    case rowsDiffer(report: Int, plain: Int)
    case insertIncomplete
}
