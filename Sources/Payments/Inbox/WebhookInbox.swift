import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// The webhook inbox (DESIGN §6, docs/payments.md "Webhooks"): a webhook is verified over its
/// raw bytes, stored raw once per (gateway, event id) and answered at once; `process` later
/// turns it into a deposit's move, with retries. The deposit's state machine and the ledger key
/// (the deposit's id) make a duplicate, a resend under another event id or an out-of-order
/// event harmless.
public struct WebhookInbox: Sendable {
    let database: Database
    let gateways: PaymentGateways
    let deposits: Deposits
    let logger: Logger

    /// Retries back off 2 s, 4 s, … up to an hour; after this many the event waits for staff.
    static let maxAttempts = 12

    public init(database: Database, gateways: PaymentGateways, deposits: Deposits, logger: Logger) {
        self.database = database
        self.gateways = gateways
        self.deposits = deposits
        self.logger = logger
    }

    public enum Receipt: Sendable, Equatable {
        case stored
        /// The same event id again (a retry of a delivery): nothing new was stored.
        case duplicate
    }

    /// Verifies and stores one delivery; throws `WebhookRefusal` before anything is written.
    /// `headers` are keyed in lower case.
    public func receive(gateway code: String, body: [UInt8], headers: [String: String], now: Date = Date()) async throws -> Receipt {
        guard let gateway = try await gateways.gateway(code) else { throw WebhookRefusal.gatewayNotConfigured }
        let webhook = try gateway.verifyWebhook(body: body, headers: headers, now: now)
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                INSERT INTO payments_webhook_events (gateway, event_id, event_type, payload)
                VALUES (\(code), \(webhook.eventID), \(String(webhook.eventType.prefix(200))), \(ByteBuffer(bytes: body)))
                ON CONFLICT (gateway, event_id) DO NOTHING RETURNING id
                """, logger: logger)
            for try await _ in rows { return .stored }
            return .duplicate
        }
    }

    /// Processes the oldest due event, if any; returns whether there was one. The event is locked
    /// (`FOR UPDATE SKIP LOCKED`, so copies share the work) and marked processed in the
    /// transaction that moves its deposit and credits the ledger: both happen, or neither.
    @discardableResult
    public func processOne(now: Date = Date()) async throws -> Bool {
        var claimed: (id: Int64, attempts: Int)?
        do {
            return try await database.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    SELECT id, gateway, payload, attempts FROM payments_webhook_events
                     WHERE state = 'received' AND next_attempt_at <= \(now)
                     ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
                    """, logger: logger)
                var due: (Int64, String, ByteBuffer, Int)?
                for try await row in rows.decode((Int64, String, ByteBuffer, Int).self) { due = row }
                guard let (id, code, payload, attempts) = due else { return false }
                claimed = (id, attempts)
                guard let gateway = try await gateways.gateway(code) else {
                    throw DepositNeedsStaff(description: "the gateway \(code) is not configured")
                }
                let update = try await gateway.depositUpdate(forWebhook: Array(buffer: payload))
                let outcome = try await deposits.apply(update, gateway: code, on: connection)
                try await connection.query(
                    """
                    UPDATE payments_webhook_events SET state = 'processed', outcome = \(outcome), attempts = attempts + 1, processed_at = \(now)
                     WHERE id = \(id)
                    """, logger: logger)
                logger.info("webhook processed", metadata: ["event": "\(id)", "outcome": "\(outcome)"])
                return true
            }
        } catch {
            guard let claimed else { throw error }
            try await recordFailure(of: claimed.id, attempts: claimed.attempts + 1, error: error, now: now)
            return true
        }
    }

    /// Processes every due event; returns how many.
    public func processDue(now: Date = Date()) async throws -> Int {
        var count = 0
        while try await processOne(now: now) { count += 1 }
        return count
    }

    private func recordFailure(of id: Int64, attempts: Int, error: any Error, now: Date) async throws {
        let giveUp = error is DepositNeedsStaff || attempts >= Self.maxAttempts
        let delay = Double(min(3600, 1 << min(attempts, 12)))
        let reason = error is DepositNeedsStaff ? String(describing: error) : "error: \(postgresReason(error))"
        try await database.withConnection { connection in
            _ = try await connection.query(
                """
                UPDATE payments_webhook_events SET attempts = \(attempts), outcome = \(reason),
                       state = \(giveUp ? "failed" : "received"), next_attempt_at = \(now.addingTimeInterval(delay))
                 WHERE id = \(id) AND state = 'received'
                """, logger: logger)
        }
        logger.warning(
            "webhook not processed",
            metadata: ["event": "\(id)", "reason": "\(reason)", "retry": "\(giveUp ? "no: staff" : "in \(Int(delay)) s")"])
    }
}
