import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import Identity

/// Against a real SMTP server (aiosmtpd, Tests/IdentityTests/smtp_server.py) with its own CA.
/// The time limit only catches a hang: on a busy machine a relay start and a few TLS handshakes
/// can take minutes.
@Suite(.timeLimit(.minutes(10))) struct SMTPTests {
    /// aiosmtpd in `mode` (starttls, implicit or plain), with its own CA in `<dir>/ca.pem`.
    final class Server: Sendable {
        let peer: ScriptServer
        var port: Int { peer.port }
        var directory: URL { peer.directory }

        init(mode: String, user: String? = "relay", password: String? = "s3cret pass", failFirst: Int = 0) async throws {
            var arguments = ["--mode", mode]
            if let user, let password { arguments += ["--user", user, "--password", password] }
            if failFirst > 0 { arguments += ["--fail-first", String(failFirst)] }
            peer = try await ScriptServer(script: "Tests/IdentityTests/smtp_server.py", arguments: arguments)
        }

        func settings(scheme: String = "smtp", credentials: String = "relay:s3cret%20pass@") throws -> SMTPSettings {
            try SMTPSettings(
                url: "\(scheme)://\(credentials)localhost:\(port)", from: "no-reply@croupier.test",
                caFile: directory.appendingPathComponent("ca.pem").path)
        }

        func messages() throws -> [[String: Any]] {
            let folder = directory.appendingPathComponent("messages")
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()) ?? []
            return try names.map {
                try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent($0))) as? [String: Any] ?? [:]
            }
        }
    }

    let mail = OutgoingMail(
        recipient: "anna@example.com", subject: "Код входа 123456", text: "Ваш код: 123456\n.\nконец", html: "<p>Ваш код: <b>123456</b></p>"
    )

    func decodedParts(_ raw: String) -> String {
        raw.components(separatedBy: "\r\n\r\n").dropFirst().compactMap { chunk -> String? in
            let body = chunk.components(separatedBy: "\r\n--").first?.replacingOccurrences(of: "\r\n", with: "") ?? ""
            return Data(base64Encoded: body).flatMap { String(data: $0, encoding: .utf8) }
        }.joined(separator: "\n")
    }

    @Test func credentialsInTheURLAreDecodedExactlyOnce() throws {
        let settings = try SMTPSettings(url: "smtp://re%40lay:pw-a%2541%40%3A%2F%25@relay.example:2525", from: "no-reply@croupier.test")
        #expect(settings.username == "re@lay")
        #expect(settings.password == "pw-a%41@:/%")
        #expect(settings.port == 2525)
    }

    @Test func startTLSWithAuthDeliversAUTF8MultipartMessage() async throws {
        let server = try await Server(mode: "starttls")
        try await SMTPClient(settings: try server.settings()).send(mail)
        let messages = try server.messages()
        #expect(messages.count == 1)
        let message = try #require(messages.first)
        #expect(message["tls"] as? Bool == true)
        #expect(message["auth_user"] as? String == "relay")
        #expect(message["rcpt_tos"] as? [String] == ["anna@example.com"])
        let raw = try #require(message["data"] as? String)
        #expect(raw.contains("Subject: =?UTF-8?B?\(Data("Код входа 123456".utf8).base64EncodedString())?="))
        let bodies = decodedParts(raw)
        #expect(bodies.contains("Ваш код: 123456\n.\nконец"), "a line with a lone dot survives")
        #expect(bodies.contains("<b>123456</b>"))
    }

    @Test func implicitTLSDelivers() async throws {
        let server = try await Server(mode: "implicit")
        try await SMTPClient(settings: try server.settings(scheme: "smtps")).send(mail)
        #expect(try server.messages().count == 1)
    }

    @Test func aServerWithoutSTARTTLSGetsNoCredentials() async throws {
        let server = try await Server(mode: "plain")
        do {
            try await SMTPClient(settings: try server.settings()).send(mail)
            Issue.record("mail went out over a plain connection")
        } catch SMTPError.tlsUnavailable {}
        #expect(try server.messages().isEmpty)
    }

    @Test func aWrongPasswordIsAPermanentRefusal() async throws {
        let server = try await Server(mode: "starttls")
        do {
            try await SMTPClient(settings: try server.settings(credentials: "relay:wrong@")).send(mail)
            Issue.record("a wrong password was accepted")
        } catch let error as SMTPError {
            #expect(error.isPermanent)
        }
    }

    @Test func aRelayThatFailsDelaysMailButLosesNone() async throws {
        let server = try await Server(mode: "starttls", failFirst: 1)
        try await TestDatabase.with { database in
            try await database.withConnection { connection in
                try await MailQueue.enqueue(mail, on: connection, logger: TestServices.logger)
            }
            let delivery = MailDelivery(
                database: database, client: SMTPClient(settings: try server.settings()), logger: TestServices.logger)
            let now = Date()
            #expect(try await delivery.deliverOne(now: now), "the first try reaches the relay and gets 451")
            #expect(try server.messages().isEmpty)
            #expect(try await delivery.deliverOne(now: now) == false, "not due again yet")
            #expect(try await delivery.deliverOne(now: now.addingTimeInterval(61)))
            #expect(try server.messages().count == 1)
            let rows = try await database.withConnection { connection in
                try await connection.query(
                    "SELECT attempts, sent_at IS NOT NULL, last_error FROM identity_mail_outbox", logger: TestServices.logger
                ).collect()
            }
            let (attempts, sent, lastError) = try rows[0].decode((Int, Bool, String?).self)
            #expect(attempts == 2)
            #expect(sent)
            #expect(lastError?.contains("451") == true)
        }
    }
}
