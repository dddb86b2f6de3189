import Foundation
import Logging
import PostgresNIO

/// The shared transactional outbox (migration 0001): a context writes its event on the
/// connection of the transaction that made the change, so the event exists exactly when the
/// change committed; the relay publishes it to JetStream afterwards.
public enum Outbox {
    /// Appends one event. `subject` is `croupier.<context>.<event>` (the table refuses any other
    /// shape); `payload` is encoded as a JSON object.
    public static func append(
        subject: String, payload: some Encodable & Sendable, on connection: PostgresConnection, logger: Logger
    ) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let json = String(decoding: try encoder.encode(payload), as: UTF8.self)
        try await connection.query(
            "INSERT INTO outbox (event_id, subject, payload) VALUES (gen_random_uuid(), \(subject), \(json)::jsonb)", logger: logger)
    }

    /// Events not yet published, and when the oldest of them was written: the relay's lag.
    public static func backlog(in database: Database, logger: Logger) async throws -> Backlog {
        try await database.withConnection { try await backlog(on: $0, logger: logger) }
    }

    /// The same on a connection the caller holds. The events after the relay's position
    /// (migration 0070) that this statement sees, less those of a batch published in part; events
    /// of transactions still in progress are not counted until they commit.
    public static func backlog(on connection: PostgresConnection, logger: Logger) async throws -> Backlog {
        let rows = try await connection.query(
            """
            SELECT count(*), min(e.created_at), coalesce(extract(epoch FROM now() - min(e.created_at)), 0)::float8
              FROM outbox_relay_position p, LATERAL (
                SELECT id, xid, created_at FROM outbox WHERE xid >= pg_snapshot_xmax(p.published_through)
                UNION ALL
                SELECT id, xid, created_at FROM outbox WHERE xid = ANY (ARRAY(SELECT pg_snapshot_xip(p.published_through)))) e
             WHERE NOT coalesce(pg_visible_in_snapshot(e.xid, p.publishing_to) AND e.id <= p.after_id, false)
            """, logger: logger)
        for try await (count, oldest, lag) in rows.decode((Int, Date?, Double).self) {
            return Backlog(count: count, oldest: oldest, lagSeconds: lag)
        }
        return Backlog(count: 0, oldest: nil)
    }
}

/// Rows waiting for a background job: how many, and since when the oldest waits.
public struct Backlog: Sendable, Equatable {
    public let count: Int
    public let oldest: Date?
    /// Seconds the oldest has waited, by the database's clock (0 when none waits).
    public let lagSeconds: Double

    public init(count: Int, oldest: Date?, lagSeconds: Double = 0) {
        self.count = count
        self.oldest = oldest
        self.lagSeconds = lagSeconds
    }
}
