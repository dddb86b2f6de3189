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
}
