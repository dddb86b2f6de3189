import Foundation
import Logging
import Metrics
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Publishes outbox rows to JetStream stream `CROUPIER` in id order, then marks them
/// published. Delivery is at least once: a crash between publishing and marking republishes,
/// and JetStream drops the duplicate by `Nats-Msg-Id` (the event id) within its window.
/// Rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of relays can run.
public struct OutboxRelay: Service {
    public static let streamName = "CROUPIER"
    public static let streamSubjects = ["croupier.>"]

    let database: Database
    let natsURL: String
    let logger: Logger
    let batchSize: Int
    let idleDelay: Duration
    private let published = Counter(label: "croupier_outbox_published_total")
    private let pending = Gauge(label: "croupier_outbox_pending")

    public init(database: Database, natsURL: String, logger: Logger, batchSize: Int = 200, idleDelay: Duration = .milliseconds(200)) {
        self.database = database
        self.natsURL = natsURL
        self.logger = logger
        self.batchSize = batchSize
        self.idleDelay = idleDelay
    }

    public func run() async throws {
        var jetStream: JetStream?
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                if jetStream == nil {
                    let connection = try await NATSConnection.connect(url: natsURL)
                    let stream = JetStream(connection: connection)
                    try await stream.ensureStream(name: Self.streamName, subjects: Self.streamSubjects)
                    jetStream = stream
                    if failures > 0 { logger.notice("outbox relay reconnected to NATS") }
                }
                let count = try await publishBatch(to: jetStream!)
                failures = 0
                if count < batchSize { try await sleep(idleDelay) }
            } catch {
                failures += 1
                if let stream = jetStream { await stream.connection.close() }
                jetStream = nil
                if failures == 1 { logger.error("outbox relay paused", metadata: ["reason": "\(error)"]) }
                try? await sleep(.seconds(min(failures, 5)))
            }
        }
        if let stream = jetStream { await stream.connection.close() }
    }

    /// Publishes up to `batchSize` unpublished events; returns how many.
    @discardableResult
    public func publishBatch(to jetStream: JetStream) async throws -> Int {
        try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT id, event_id, subject, payload::text FROM outbox
                 WHERE published_at IS NULL ORDER BY id LIMIT \(batchSize) FOR UPDATE SKIP LOCKED
                """, logger: logger)
            var ids: [Int64] = []
            for try await (id, eventID, subject, payload) in rows.decode((Int64, UUID, String, String).self) {
                let ack = try await jetStream.publish(subject: subject, messageID: eventID.uuidString.lowercased(), payload: Array(payload.utf8))
                if ack.duplicate { logger.debug("event was already in the stream", metadata: ["event": "\(eventID)"]) }
                ids.append(id)
            }
            if !ids.isEmpty {
                try await connection.query("UPDATE outbox SET published_at = now() WHERE id = ANY(\(ids))", logger: logger).collect()
                published.increment(by: ids.count)
            }
            let backlog = try await connection.query("SELECT count(*) FROM outbox WHERE published_at IS NULL", logger: logger)
            for try await count in backlog.decode(Int.self) { pending.record(count) }
            return ids.count
        }
    }

    private func sleep(_ duration: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }
}
