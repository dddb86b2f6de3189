import Crypto
import Foundation
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Identity

/// Mail with an attachment (docs/reports.md "Schedules"), read back by Python's `email`
/// package, never by the code that wrote it.
@Suite struct MIMEAttachmentTests {
    static func parsed(_ message: String) throws -> [String: Any] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("mime_parse.py")
        let (status, output) = try PythonScript.run(script, input: Data(message.utf8))
        #expect(status == 0)
        return try JSONSerialization.jsonObject(with: output) as? [String: Any] ?? [:]
    }

    @Test func anAttachmentWithANonASCIINameArrivesWholeBesideTheBodies() throws {
        let bytes = (0..<70_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let name = "Ежедневный отчёт 2026-12-01 – 2026-12-04.xlsx"
        let mail = OutgoingMail(
            recipient: "cfo@casino.example", subject: "Отчёт Croupier: Ежедневный отчёт с очень длинным названием · 2026-12-04",
            text: "Строк: 3\n", html: "<p>Строк: 3</p>",
            attachment: MailAttachment(
                name: name, contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", bytes: bytes))
        let parsed = try Self.parsed(MIMEMessage.render(mail, from: "reports@casino.example"))
        #expect(parsed["subject"] as? String == mail.subject)
        #expect(parsed["text"] as? String == "Строк: 3\n")
        #expect((parsed["defects"] as? [String])?.isEmpty == true)
        let attachments = try #require(parsed["attachments"] as? [[String: Any]])
        #expect(attachments.count == 1)
        #expect(attachments.first?["filename"] as? String == name)
        #expect(attachments.first?["type"] as? String == mail.attachment?.contentType)
        #expect(attachments.first?["size"] as? Int == bytes.count)
        #expect(attachments.first?["sha256"] as? String == SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined())
        #expect((attachments.first?["maxLine"] as? Int ?? 0) <= 76)
    }

    @Test func aMailWithoutAttachmentStaysAlternativeBodiesOnly() throws {
        let mail = OutgoingMail(recipient: "p@casino.example", subject: "Code", text: "123456\n", html: "<p>123456</p>")
        let message = MIMEMessage.render(mail, from: "no-reply@casino.example")
        #expect(message.contains("multipart/alternative") && !message.contains("multipart/mixed"))
        let parsed = try Self.parsed(message)
        #expect(parsed["text"] as? String == "123456\n")
        #expect((parsed["attachments"] as? [Any])?.isEmpty == true)
    }

    @Test func aQueuedAttachmentIsDeliveredThenItsBytesAreDropped() async throws {
        let server = try await SMTPTests.Server(mode: "starttls")
        try await TestDatabase.with { database in
            let bytes = Array("gateway,deposits\r\nsandbox,25.00000\r\n".utf8)
            let mail = OutgoingMail(
                recipient: "cfo@casino.example", subject: "Report", text: "Rows: 1\n", html: "<p>Rows: 1</p>",
                attachment: MailAttachment(name: "payments.csv", contentType: "text/csv", bytes: bytes))
            try await database.withTransaction(logger: TestServices.logger) {
                try await MailQueue.enqueue(mail, on: $0, logger: TestServices.logger)
            }
            let delivery = MailDelivery(
                database: database, client: SMTPClient(settings: try server.settings()), logger: TestServices.logger)
            #expect(try await delivery.deliverOne())
            let sent = try #require(try server.messages().first?["data"] as? String)
            let parsed = try Self.parsed(sent)
            let attachments = try #require(parsed["attachments"] as? [[String: Any]])
            #expect(attachments.first?["filename"] as? String == "payments.csv" && attachments.first?["size"] as? Int == bytes.count)
            let kept = try await database.withConnection { connection in
                try await connection.query(
                    "SELECT attachment_name, attachment IS NULL FROM identity_mail_outbox", logger: TestServices.logger
                ).collect().map { try $0.decode((String?, Bool).self) }
            }
            #expect(kept.count == 1 && kept.first?.0 == "payments.csv" && kept.first?.1 == true, "the name stays, the bytes go")
        }
    }

    @Test func anAttachmentNotDeliveredWithinADayLosesItsBytes() async throws {
        try await TestDatabase.with { database in
            let mail = OutgoingMail(
                recipient: "cfo@casino.example", subject: "Report", text: "Rows: 1\n", html: "<p>Rows: 1</p>",
                attachment: MailAttachment(name: "payments.csv", contentType: "text/csv", bytes: Array("a,b\r\n".utf8)))
            try await database.withTransaction(logger: TestServices.logger) {
                try await MailQueue.enqueue(mail, on: $0, logger: TestServices.logger)
            }
            let housekeeping = IdentityHousekeeping(database: database, logger: TestServices.logger)
            #expect(try await housekeeping.sweep()["identity_mail_outbox attachments"] == 0, "a fresh one is kept for its delivery")
            #expect(try await housekeeping.sweep(now: Date().addingTimeInterval(86_400 + 60))["identity_mail_outbox attachments"] == 1)
            let kept = try await database.withConnection { connection in
                try await connection.query(
                    "SELECT attachment_name, attachment IS NULL FROM identity_mail_outbox", logger: TestServices.logger
                ).collect().map { try $0.decode((String?, Bool).self) }
            }
            #expect(kept.first?.0 == "payments.csv" && kept.first?.1 == true, "the name stays, the bytes go")
        }
    }
}
