import Foundation
import Logging
import Metrics
import Persistence
import PostgresNIO
import ServiceLifecycle
import Tracing

/// Publishes outbox rows to the JetStream stream (`CROUPIER` unless configured) in id order, a
/// batch in one write whose acknowledgements are awaited together, then marks them published.
/// Delivery is at least once: a crash between publishing and marking republishes, and JetStream
/// drops the duplicate by `Nats-Msg-Id` (the event id) within its window.
/// Rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of relays can run.
public struct OutboxRelay: Service {
    let database: Database
    let link: NATSLink
    let stream: EventStream
    let logger: Logger
    let batchSize: Int
    let idleDelay: Duration
    private let published = Counter(label: "croupier_outbox_published_total")
    private let pending = Gauge(label: "croupier_outbox_pending")
    /// Seconds since the oldest event not yet published was written (0 when none waits).
    private let lag = Gauge(label: "croupier_outbox_lag_seconds")
    /// How often the two gauges above are measured. Their query walks the unpublished-rows index,
    /// entries of rows published since the last vacuum included: measured after every batch it
    /// took about 6 % of PostgreSQL's statement time in the ledger benchmark (docs/benchmarks.md),
    /// for gauges Prometheus reads every 15 s.
    static let gaugeInterval: Duration = .seconds(1)
    private let spans: RelaySpans

    public init(
        database: Database, link: NATSLink, stream: EventStream, logger: Logger, batchSize: Int = 200,
        idleDelay: Duration = .milliseconds(200), tracer: any Tracer = InstrumentationSystem.tracer
    ) {
        self.database = database
        self.link = link
        self.stream = stream
        self.logger = logger
        self.batchSize = batchSize
        self.idleDelay = idleDelay
        self.spans = RelaySpans(tracer: tracer)
    }

    public func run() async throws {
        var jetStream: JetStream?
        var failures = 0
        var gauges = Cadence(interval: Self.gaugeInterval)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if jetStream == nil {
                    let connection = try await link.connection()
                    let candidate = JetStream(connection: connection)
                    do {
                        try await candidate.ensureStream(
                            name: stream.name, subjects: stream.subjects, replicas: stream.replicas, maxAgeDays: stream.maxAgeDays)
                    } catch {
                        await link.discard(connection)
                        throw error
                    }
                    jetStream = candidate
                    if failures > 0 { logger.notice("outbox relay reconnected to NATS") }
                }
                let count = try await publishBatch(to: jetStream!)
                if gauges.isDue(at: .now) { try await measureBacklog() }
                await JobBoard.process.finished("outbox relay")
                failures = 0
                if count < batchSize { try await sleep(idleDelay) }
            } catch {
                // Stopping cancels what the relay was waiting on, or closes its link: no failure.
                let linkClosed = await link.isClosed
                if Task.isCancelled || Task.isShuttingDownGracefully || linkClosed { break }
                failures += 1
                await JobBoard.process.finished("outbox relay", error: postgresReason(error))
                if let current = jetStream { await link.discard(current.connection) }
                jetStream = nil
                if failures == 1 { logger.error("outbox relay paused", metadata: ["reason": "\(error)"]) }
                try? await sleep(.seconds(min(failures, 5)))
            }
        }
    }

    /// Publishes up to `batchSize` unpublished events; returns how many. The transaction spans
    /// the publishes, so it fails at once when PostgreSQL closes its connection meanwhile (a
    /// restart, a terminated backend) rather than wait for good on a request the closed
    /// connection lost (`Database.withTransactionFailingOnClose`); the next round claims the
    /// rows again, and JetStream drops what was published twice.
    @discardableResult
    public func publishBatch(to jetStream: JetStream) async throws -> Int {
        try await database.withTransactionFailingOnClose(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT id, event_id, subject, payload::text, coalesce(occurred_at, created_at) FROM outbox
                 WHERE published_at IS NULL ORDER BY id LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                """, logger: logger)
            var events: [(id: Int64, eventID: UUID, subject: String, payload: String, occurredAt: Date)] = []
            for try await event in rows.decode((Int64, UUID, String, String, Date).self) { events.append(event) }
            if !events.isEmpty {
                let messages = events.map { id, eventID, outboxSubject, payload, occurredAt in
                    JetStream.Outgoing(
                        subject: stream.subject(forOutboxSubject: outboxSubject), messageID: eventID.uuidString.lowercased(),
                        headers: [EventHeaders.occurredAt: EventHeaders.text(occurredAt), EventHeaders.sequence: String(id)],
                        payload: Array(payload.utf8))
                }
                try await spans.batch(count: events.count) {
                    let acks = try await spans.publish(messages) { try await jetStream.publish(messages) }
                    for (message, ack) in zip(messages, acks) where ack.duplicate {
                        logger.debug("event was already in the stream", metadata: ["event": "\(message.messageID)"])
                    }
                    let ids = events.map(\.id)
                    try await connection.query("UPDATE outbox SET published_at = now() WHERE id = ANY(\(ids))", logger: logger).collect()
                    published.increment(by: ids.count)
                }
            }
            return events.count
        }
    }

    /// Records how many events wait and how long the oldest has waited, by the database's clock.
    /// Fails at once if PostgreSQL closes the connection meanwhile, as a batch does, rather than
    /// hold the relay on a request the closed connection lost.
    func measureBacklog() async throws {
        let (count, lag) = try await database.withConnectionFailingOnClose { [logger] connection in
            let rows = try await connection.query(
                """
                SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8
                  FROM outbox WHERE published_at IS NULL
                """, logger: logger)
            for try await backlog in rows.decode((Int, Double).self) { return backlog }
            return (0, 0)
        }
        pending.record(count)
        self.lag.record(lag)
    }

    private func sleep(_ duration: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}
