import Foundation
import Logging
import Metrics
import NIOCore
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Sends queued mail over SMTP. A temporary failure (a relay that is down, a 4xx) is retried
/// with back-off (1 min, 2, 4, … 1 h) and nothing is lost; a permanent refusal (5xx) stops after
/// 5 tries. Rows are claimed with `FOR UPDATE SKIP LOCKED`, so any number of workers can run.
/// A mail holding a secret (a sign-in code) is not sent once the secret expired, and its body is
/// blanked as soon as it is sent: the relay has it, the database need not. An attachment's bytes
/// (a report's export: no secret, but big) are dropped once sent for the same reason.
public struct MailDelivery: Service {
    let database: Database
    let client: SMTPClient
    let logger: Logger
    let interval: Duration
    private let sent = Counter(label: "croupier_mail_sent_total")
    private let failed = Counter(label: "croupier_mail_failures_total")

    static let maxPermanentAttempts = 5

    public init(database: Database, client: SMTPClient, logger: Logger, interval: Duration = .seconds(2)) {
        self.database = database
        self.client = client
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        try await RepeatingJob("mail delivery", every: interval, logger: logger) { [self] in while try await deliverOne() {} }.run()
    }

    /// Sends the oldest due mail, if any; returns whether there was one.
    @discardableResult
    public func deliverOne(now: Date = Date()) async throws -> Bool {
        try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT id, recipient, subject, text_body, html_body, attempts, attachment_name, attachment_type, attachment
                  FROM identity_mail_outbox
                 WHERE sent_at IS NULL AND next_attempt_at <= \(now) AND attempts < 1000
                   AND (secret_expires_at IS NULL OR secret_expires_at > \(now))
                 ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
                """, logger: logger)
            var due: (Int64, String, String, String, String, Int, String?, String?, ByteBuffer?)?
            for try await row in rows.decode((Int64, String, String, String, String, Int, String?, String?, ByteBuffer?).self) { due = row }
            guard let (id, recipient, subject, text, html, attempts, fileName, fileType, file) = due else { return false }
            var attachment: MailAttachment?
            if let fileName, let fileType, let file {
                attachment = MailAttachment(name: fileName, contentType: fileType, bytes: Array(buffer: file))
            }
            do {
                try await client.send(OutgoingMail(recipient: recipient, subject: subject, text: text, html: html, attachment: attachment))
                try await connection.query(
                    """
                    UPDATE identity_mail_outbox SET sent_at = \(now), attempts = attempts + 1,
                           text_body = CASE WHEN secret_expires_at IS NULL THEN text_body ELSE '' END,
                           html_body = CASE WHEN secret_expires_at IS NULL THEN html_body ELSE '' END,
                           purged_at = CASE WHEN secret_expires_at IS NULL THEN NULL ELSE \(now) END, attachment = NULL
                     WHERE id = \(id)
                    """, logger: logger
                ).collect()
                sent.increment()
            } catch {
                failed.increment()
                let permanent = (error as? SMTPError)?.isPermanent ?? false
                let giveUp = permanent && attempts + 1 >= Self.maxPermanentAttempts
                let delay = Double(min(3600, 60 << min(attempts, 6)))
                try await connection.query(
                    """
                    UPDATE identity_mail_outbox SET attempts = \(giveUp ? 1000 : attempts + 1), last_error = \(String(describing: error)),
                           next_attempt_at = \(now.addingTimeInterval(delay)),
                           attachment = CASE WHEN \(giveUp) THEN NULL ELSE attachment END
                     WHERE id = \(id)
                    """, logger: logger
                ).collect()
                logger.warning(
                    "mail not delivered",
                    metadata: ["mail": "\(id)", "reason": "\(error)", "retry": "\(giveUp ? "no" : "in \(Int(delay)) s")"])
            }
            return true
        }
    }
}
