import Foundation
import Persistence
import PostgresNIO

/// What staff see of the inbox and what they may do with it (docs/payments.md, "Staff").
extension WebhookInbox {
    public struct Event: Sendable, Equatable {
        public enum State: String, Sendable { case received, processed, failed }
        public let id: Int64
        public let gateway: String
        public let eventID: String
        public let eventType: String
        public let state: State
        public let outcome: String?
        public let attempts: Int
        public let receivedAt: Date
        public let processedAt: Date?
    }

    /// The latest events, newest first; failed ones (waiting for staff) first of all.
    public func latest(limit: Int = 50) async throws -> [Event] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, gateway, event_id, event_type, state, outcome, attempts, received_at, processed_at
                  FROM payments_webhook_events ORDER BY (state = 'failed') DESC, id DESC LIMIT \(limit)
                """, logger: logger)
            var events: [Event] = []
            for try await (id, gateway, eventID, type, state, outcome, attempts, received, processed) in rows.decode(
                (Int64, String, String, String, String, String?, Int, Date, Date?).self)
            {
                events.append(
                    Event(
                        id: id, gateway: gateway, eventID: eventID, eventType: type, state: Event.State(rawValue: state) ?? .failed,
                        outcome: outcome, attempts: attempts, receivedAt: received, processedAt: processed))
            }
            return events
        }
    }

    /// Puts a failed event back in the queue, due now with a fresh count of attempts; false when
    /// there is no failed event with this id (processing is as idempotent as the first time).
    public func reprocess(_ id: Int64) async throws -> Bool {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                UPDATE payments_webhook_events SET state = 'received', attempts = 0, next_attempt_at = now()
                 WHERE id = \(id) AND state = 'failed' RETURNING id
                """, logger: logger)
            for try await _ in rows { return true }
            return false
        }
    }

    /// Events waiting to be processed (and since when), and failed ones waiting for staff.
    public func backlog() async throws -> (waiting: Backlog, failed: Int) {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT count(*) FILTER (WHERE state = 'received'), min(received_at) FILTER (WHERE state = 'received'),
                       count(*) FILTER (WHERE state = 'failed')
                  FROM payments_webhook_events WHERE state <> 'processed'
                """, logger: logger)
            for try await (waiting, oldest, failed) in rows.decode((Int, Date?, Int).self) {
                return (Backlog(count: waiting, oldest: oldest), failed)
            }
            return (Backlog(count: 0, oldest: nil), 0)
        }
    }
}
