import Core
import Foundation
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Identity

/// Identity's analytics events (docs/events.md): a new account is registered once, and every
/// change of a player's segments publishes the whole set after it, in the order of the changes.
@Suite struct PlayerEventsTests {
    @Test func aNewAccountIsRegisteredOnceAndSegmentChangesCarryTheWholeSet() async throws {
        try await TestDatabase.with { database in
            let signIn = PlayerSignIn(
                database: database, secret: .random(), composer: MailPurgeTests.PlainComposer(), publicURL: "https://casino.example",
                logger: TestServices.logger)
            let user = TelegramUser(id: 5_550_041, firstName: "New", lastName: nil, username: nil, photoURL: nil, authDate: Date())
            guard
                case .email(let challenge) = try await signIn.begin(
                    telegram: user, proof: "test:events", proofExpires: Date().addingTimeInterval(3600), device: "d", language: "ru")
            else { throw SignInError.challengeInvalid }
            _ = try await signIn.submitEmail(challenge: challenge, email: "new@example.com", adult: true, acceptTerms: true, language: "ru")
            let mail = try await MailPurgeTests.bodies(database).first?.text ?? ""
            let code = String(try #require(mail.firstMatch(of: /Code (\d{6})/)?.1))
            let player = try await signIn.submitCode(challenge: challenge, code: code, device: "d")
            let demo = try await signIn.demoPlayer()
            #expect(try await signIn.demoPlayer() == demo, "the second call finds the same player")
            #expect(
                try await Self.payloads("croupier.identity.player_registered", in: database) == [
                    #"{"language": "ru", "playerId": \#(player.rawValue)}"#, #"{"language": "en", "playerId": \#(demo.rawValue)}"#,
                ])

            let segments = PlayerSegments(database: database, logger: TestServices.logger)
            try await segments.tag(demo, .vip, by: PlayerBlocksTests.staff)
            try await segments.tag(demo, .vip, by: PlayerBlocksTests.staff)
            try await segments.tag(demo, .highRisk, by: PlayerBlocksTests.staff)
            try await segments.untag(demo, .vip, by: PlayerBlocksTests.staff)
            #expect(
                try await Self.payloads("croupier.identity.player_segments_changed", in: database) == [
                    #"{"playerId": \#(demo.rawValue), "segments": ["vip"]}"#,
                    #"{"playerId": \#(demo.rawValue), "segments": ["high_risk", "vip"]}"#,
                    #"{"playerId": \#(demo.rawValue), "segments": ["high_risk"]}"#,
                ], "tagging twice changes nothing and publishes nothing")
        }
    }

    /// The outbox's payloads of `subject`, in the order they were written (jsonb's own text).
    static func payloads(_ subject: String, in database: Database) async throws -> [String] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT payload::text FROM outbox WHERE subject = \(subject) ORDER BY id", logger: TestServices.logger)
            var payloads: [String] = []
            for try await payload in rows.decode(String.self) { payloads.append(payload) }
            return payloads
        }
    }
}
