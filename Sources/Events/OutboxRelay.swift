import Foundation
import Logging
import Metrics
import Persistence
import PostgresNIO
import ServiceLifecycle
import Tracing

/// Publishes outbox rows to the JetStream stream (`CROUPIER` unless configured), a batch in one
/// write whose acknowledgements are awaited together, then moves its position past them
/// (migration 0070): a batch is the events whose transaction is visible in a newer snapshot of
/// the database and was not in the position's, in id order, so each aggregate's events go out in
/// the order they committed. Delivery is at least once: a crash between publishing and moving
/// the position republishes, and JetStream drops the duplicate by `Nats-Msg-Id` (the event id)
/// within its window. Any number of relays can run; the one holding the position publishes, the
/// others find it locked and wait for the next round.
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
    /// How often the two gauges above are measured: after every batch, their query took about 6 %
    /// of PostgreSQL's statement time in the ledger benchmark (docs/benchmarks.md, when it walked
    /// an index of rows marked published), for gauges Prometheus reads every 15 s.
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
    /// connection lost (`Database.withTransactionFailingOnClose`); the position stays, the next
    /// round reads the same events again, and JetStream drops what was published twice.
    @discardableResult
    public func publishBatch(to jetStream: JetStream) async throws -> Int {
        try await database.withTransactionFailingOnClose(logger: logger) { connection in
            // One relay at a time, by an advisory lock rather than a row lock, so that a round
            // that finds nothing writes nothing and commits nothing to flush. Taken in a statement
            // of its own: the next one's snapshot then sees the position the last holder committed.
            // No JIT for this transaction: the batch's estimates grow with the outbox, which is
            // never pruned, and compiling them cost a review's scratch run 320 ms a round for a
            // statement that runs in under a millisecond.
            let locked = try await connection.query(
                """
                SELECT pg_try_advisory_xact_lock(hashtextextended('outbox.relay_position', 0))
                  FROM (SELECT set_config('jit', 'off', true)) AS no_jit
                """, logger: logger
            ).collect()
            guard try locked.first?.decode(Bool.self) == true else { return 0 }
            // The batch goes up to the snapshot being published in parts, else to this
            // statement's own. Its first part reads the batch's events through the transaction
            // index: those of transactions that started after the position's snapshot, and those
            // of transactions it saw in progress (two index scans, so that a long transaction in
            // progress does not make every round read all that was written since). Later parts go
            // on from the last id published along the primary key, rather than read the whole
            // batch again.
            let rows = try await connection.query(
                """
                WITH position AS (
                  SELECT published_through AS old, coalesce(publishing_to, pg_current_snapshot()) AS target, after_id,
                         publishing_to IS NOT NULL AS in_parts
                    FROM outbox_relay_position)
                SELECT p.target::text, p.in_parts, e.id, e.event_id, e.subject, e.payload::text, coalesce(e.occurred_at, e.created_at)
                  FROM position p LEFT JOIN LATERAL (
                    (SELECT * FROM (
                       SELECT * FROM outbox WHERE xid >= pg_snapshot_xmax(p.old) AND xid < pg_snapshot_xmax(p.target)
                       UNION ALL
                       SELECT * FROM outbox WHERE xid = ANY (ARRAY(SELECT pg_snapshot_xip(p.old)))) AS candidate
                      WHERE NOT p.in_parts AND pg_visible_in_snapshot(candidate.xid, p.target)
                      ORDER BY candidate.id LIMIT \(batchSize))
                    UNION ALL
                    (SELECT * FROM outbox
                      WHERE p.in_parts AND id > p.after_id
                        AND pg_visible_in_snapshot(xid, p.target) AND NOT pg_visible_in_snapshot(xid, p.old)
                      ORDER BY id LIMIT \(batchSize))) e ON true
                """, logger: logger)
            var target: String?
            var inParts = false
            var events: [(id: Int64, eventID: UUID, subject: String, payload: String, occurredAt: Date)] = []
            for try await (snapshot, parts, id, eventID, subject, payload, occurredAt) in rows.decode(
                (String, Bool, Int64?, UUID?, String?, String?, Date?).self)
            {
                target = snapshot
                inParts = parts
                if let id, let eventID, let subject, let payload, let occurredAt {
                    events.append((id, eventID, subject, payload, occurredAt))
                }
            }
            // Nothing to publish and no batch in parts to close: the position may stay, since no
            // event lies between it and now.
            guard let target, !events.isEmpty || inParts else { return 0 }
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
                }
            }
            // A full batch may have more after it under the same snapshot; a short one was all of it.
            if events.count == batchSize, let last = events.last?.id {
                try await connection.query(
                    "UPDATE outbox_relay_position SET publishing_to = \(target)::pg_snapshot, after_id = \(last)", logger: logger
                ).collect()
            } else {
                try await connection.query(
                    "UPDATE outbox_relay_position SET published_through = \(target)::pg_snapshot, publishing_to = NULL, after_id = NULL",
                    logger: logger
                ).collect()
            }
            published.increment(by: events.count)
            return events.count
        }
    }

    /// Records how many events wait and how long the oldest has waited, by the database's clock.
    /// Fails at once if PostgreSQL closes the connection meanwhile, as a batch does, rather than
    /// hold the relay on a request the closed connection lost.
    func measureBacklog() async throws {
        let backlog = try await database.withConnectionFailingOnClose { [logger] in try await Outbox.backlog(on: $0, logger: logger) }
        pending.record(backlog.count)
        lag.record(backlog.lagSeconds)
    }

    private func sleep(_ duration: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}
