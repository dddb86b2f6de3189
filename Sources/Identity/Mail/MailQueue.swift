import Foundation
import Logging
import NIOCore
import Persistence
import PostgresNIO

public struct OutgoingMail: Sendable, Equatable {
    public let recipient: String
    public let subject: String
    public let text: String
    public let html: String
    public let attachment: MailAttachment?

    public init(recipient: String, subject: String, text: String, html: String, attachment: MailAttachment? = nil) {
        self.recipient = recipient
        self.subject = subject
        self.text = text
        self.html = html
        self.attachment = attachment
    }
}

/// A file sent with a mail (a scheduled report's export): at most `maxBytes`, which the queue
/// refuses to exceed; the sender decides what to send instead (docs/reports.md "Schedules").
public struct MailAttachment: Sendable, Equatable {
    public static let maxBytes = 4 * 1024 * 1024

    public let name: String
    /// A media type such as `text/csv` (no parameters).
    public let contentType: String
    public let bytes: [UInt8]

    public init(name: String, contentType: String, bytes: [UInt8]) {
        self.name = name
        self.contentType = contentType
        self.bytes = bytes
    }
}

public struct QueuedMail: Sendable {
    public let id: Int64
    public let mail: OutgoingMail
    public let createdAt: Date
    public let sentAt: Date?
}

/// The PostgreSQL-backed mail queue. Enqueue inside the caller's transaction when the mail
/// belongs to a state change; a delivery service sends and marks it.
public struct MailQueue: Sendable {
    public let database: Database
    public let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// `secretExpiresAt`: when the code or link in the body stops working. Such a body is blanked
    /// once sent, or at that moment if it never was, and is not sent after it. An attachment's
    /// bytes are dropped once sent (its name stays); one over `MailAttachment.maxBytes` is refused
    /// by the database.
    public static func enqueue(_ mail: OutgoingMail, secretExpiresAt: Date? = nil, on connection: PostgresConnection, logger: Logger)
        async throws
    {
        let attachment = mail.attachment
        try await connection.query(
            """
            INSERT INTO identity_mail_outbox (recipient, subject, text_body, html_body, secret_expires_at, attachment_name, attachment_type, attachment)
            VALUES (\(mail.recipient), \(mail.subject), \(mail.text), \(mail.html), \(secretExpiresAt), \(attachment?.name),
                    \(attachment?.contentType), \(attachment.map { ByteBuffer(bytes: $0.bytes) }))
            """, logger: logger
        ).collect()
    }

    /// Newest first: what the development mailbox shows.
    public func recent(limit: Int = 50) async throws -> [QueuedMail] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, recipient, subject, text_body, html_body, created_at, sent_at
                  FROM identity_mail_outbox ORDER BY id DESC LIMIT \(limit)
                """, logger: logger)
            var mails: [QueuedMail] = []
            for try await (id, recipient, subject, text, html, createdAt, sentAt) in rows.decode(
                (Int64, String, String, String, String, Date, Date?).self)
            {
                mails.append(
                    QueuedMail(
                        id: id, mail: OutgoingMail(recipient: recipient, subject: subject, text: text, html: html), createdAt: createdAt,
                        sentAt: sentAt))
            }
            return mails
        }
    }

    /// Mail still to send (and since when), and how many of those already failed at least once.
    /// Mail whose code expired unsent is never sent, so it is not counted.
    public func backlog(now: Date = Date()) async throws -> (unsent: Backlog, retrying: Int) {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT count(*), min(created_at), count(*) FILTER (WHERE attempts > 0)
                  FROM identity_mail_outbox WHERE sent_at IS NULL AND (secret_expires_at IS NULL OR secret_expires_at > \(now))
                """, logger: logger)
            for try await (count, oldest, retrying) in rows.decode((Int, Date?, Int).self) {
                return (Backlog(count: count, oldest: oldest), retrying)
            }
            return (Backlog(count: 0, oldest: nil), 0)
        }
    }
}
