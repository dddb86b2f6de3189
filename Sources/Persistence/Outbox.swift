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
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT count(*), min(created_at) FROM outbox WHERE published_at IS NULL", logger: logger)
            for try await (count, oldest) in rows.decode((Int, Date?).self) { return Backlog(count: count, oldest: oldest) }
            return Backlog(count: 0, oldest: nil)
        }
    }
}

/// Rows waiting for a background job: how many, and since when the oldest waits.
public struct Backlog: Sendable, Equatable {
    public let count: Int
    public let oldest: Date?

    public init(count: Int, oldest: Date?) {
        self.count = count
        self.oldest = oldest
    }
}
