import Core
import Foundation
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Identity

/// A sign-in mail's body holds a working code and a link with the sign-in challenge: it is kept
/// only until it is sent, or, never sent, until both stopped working (the code after 10 minutes,
/// the challenge 30 minutes after the sign-in began).
@Suite struct MailPurgeTests {
    struct PlainComposer: SignInMailComposer {
        func codeMail(to email: String, code: String, link: String, language: String) -> OutgoingMail {
            OutgoingMail(
                recipient: email, subject: "Your code", text: "Code \(code), or \(link)",
                html: "<p>\(code) <a href=\"\(link)\">sign in</a></p>")
        }
    }

    /// A new player asks for a code at `now`; returns the code mailed.
    static func requestCode(_ database: Database, now: Date) async throws -> String {
        let signIn = PlayerSignIn(
            database: database, secret: .random(), composer: PlainComposer(), publicURL: "https://casino.example",
            logger: TestServices.logger)
        let user = TelegramUser(id: 5_550_040, firstName: "Mail", lastName: nil, username: nil, photoURL: nil, authDate: now)
        guard
            case .email(let challenge) = try await signIn.begin(
                telegram: user, proof: "test:mail", proofExpires: now.addingTimeInterval(3600), device: "d", language: "en", now: now)
        else { throw SignInError.challengeInvalid }
        _ = try await signIn.submitEmail(
            challenge: challenge, email: "mail@example.com", adult: true, acceptTerms: true, language: "en", now: now)
        let body = try await bodies(database).first?.text ?? ""
        return String(try #require(body.firstMatch(of: /Code (\d{6})/)?.1))
    }

    static func bodies(_ database: Database) async throws -> [(text: String, html: String)] {
        try await database.withConnection { connection in
            try await connection.query("SELECT text_body, html_body FROM identity_mail_outbox ORDER BY id", logger: TestServices.logger)
                .collect()
                .map { try $0.decode((String, String).self) }
        }
    }

    @Test func aSentSignInMailKeepsNoCode() async throws {
        let server = try await SMTPTests.Server(mode: "starttls")
        try await TestDatabase.with { database in
            let now = Date()
            let code = try await Self.requestCode(database, now: now)
            let delivery = MailDelivery(
                database: database, client: SMTPClient(settings: try server.settings()), logger: TestServices.logger)
            #expect(try await delivery.deliverOne(now: now.addingTimeInterval(60)), "sent a minute later, while the code works")
            #expect(try server.messages().count == 1)
            let kept = try #require(try await Self.bodies(database).first)
            #expect(!kept.text.contains(code) && !kept.html.contains(code))
            #expect(!kept.text.contains("challenge=") && !kept.html.contains("challenge="))
        }
    }

    @Test func aSignInMailIsNotSentOnceItsCodeAndLinkExpired() async throws {
        let server = try await SMTPTests.Server(mode: "starttls")
        try await TestDatabase.with { database in
            let now = Date()
            _ = try await Self.requestCode(database, now: now)
            let delivery = MailDelivery(
                database: database, client: SMTPClient(settings: try server.settings()), logger: TestServices.logger)
            #expect(try await delivery.deliverOne(now: now.addingTimeInterval(31 * 60)) == false)
            #expect(try server.messages().isEmpty)
        }
    }

    @Test func anUnsentSignInMailKeepsNoCodeOnceItsCodeAndLinkExpired() async throws {
        try await TestDatabase.with { database in
            let now = Date()
            let code = try await Self.requestCode(database, now: now)
            let housekeeping = IdentityHousekeeping(database: database, logger: TestServices.logger)
            try await housekeeping.sweep(now: now.addingTimeInterval(11 * 60))
            #expect(try await Self.bodies(database).first?.text.contains("challenge=") == true, "the link's challenge still works")
            try await housekeeping.sweep(now: now.addingTimeInterval(31 * 60))
            let kept = try #require(try await Self.bodies(database).first)
            #expect(!kept.text.contains(code) && !kept.html.contains(code))
            #expect(!kept.text.contains("challenge=") && !kept.html.contains("challenge="))
        }
    }
}
