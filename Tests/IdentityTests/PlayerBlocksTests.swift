import Core
import Foundation
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Identity

/// Staff blocks, notes and segments: what each changes, that each is audited with its reason,
/// and that a closure by another context is never lifted by an unblock.
@Suite struct PlayerBlocksTests {
    static let staff = StaffActing(actor: "staff:7", ip: "203.0.113.9", requestID: "req-1")

    @Test func aBlockEndsSessionsRefusesSignInAndBetsAndIsAuditedWithItsReason() async throws {
        try await TestDatabase.with { database in
            let player = try await PlayerStatusesTests.player(in: database)
            let sessions = SessionStore(database: database, logger: TestServices.logger)
            let token = try await sessions.start(.player(player), policy: .player, userAgent: "phone", ip: "198.51.100.1")
            let blocks = PlayerBlocks(database: database, logger: TestServices.logger)

            await #expect(throws: PlayerActionRefusal.reasonMissing) { try await blocks.block(player, reason: "  ", by: Self.staff) }
            try await blocks.block(player, reason: "stolen card", by: Self.staff)

            #expect(try await sessions.resolve(token, policy: .player) == nil)
            let status = try #require(try await PlayerStatuses(database: database, logger: TestServices.logger).status(of: player))
            #expect(status.blocked && status.disabled && !status.mayBet)
            #expect(try await PlayerStatusesTests.betCheck(player, in: database) == "userDisabled")
            let audit = try await AuditLog(database: database, logger: TestServices.logger).search(
                AuditLog.Filter(target: "player:\(player.rawValue)"))
            #expect(audit.map(\.entry.action) == ["identity.player_blocked"])
            #expect(audit.first?.entry.summary["reason"] == "stolen card" && audit.first?.entry.actor == "staff:7")
            #expect(audit.first?.entry.summary["sessionsEnded"] == "1")
            await #expect(throws: PlayerActionRefusal.alreadyDisabled) { try await blocks.block(player, reason: "again", by: Self.staff) }

            let telegram = try #require(try await Self.telegramID(of: player, in: database))
            let signIn = PlayerSignIn(
                database: database, secret: .random(), composer: MailPurgeTests.PlainComposer(), publicURL: "https://casino.example",
                logger: TestServices.logger)
            let user = TelegramUser(id: telegram, firstName: "Blocked", lastName: nil, username: nil, photoURL: nil, authDate: Date())
            await #expect(throws: SignInError.playerBlocked) {
                try await signIn.begin(
                    telegram: user, proof: "test:blocked", proofExpires: Date().addingTimeInterval(3600), device: "d", language: "en")
            }

            try await blocks.unblock(player, reason: "card owner confirmed", by: Self.staff)
            #expect(try await PlayerStatuses(database: database, logger: TestServices.logger).status(of: player)?.mayBet == true)
            await #expect(throws: PlayerActionRefusal.notBlocked) { try await blocks.unblock(player, reason: "again", by: Self.staff) }
        }
    }

    @Test func aBlockAndAClosureAreIndependentAndAnUnblockNeverReopensAClosure() async throws {
        try await TestDatabase.with { database in
            let statuses = PlayerStatuses(database: database, logger: TestServices.logger)
            let blocks = PlayerBlocks(database: database, logger: TestServices.logger)
            let closed = try await PlayerStatusesTests.player(in: database)
            _ = try await database.withTransaction(logger: TestServices.logger) { connection in
                try await statuses.close(closed, reason: "under 18", actor: "compliance", on: connection)
            }
            await #expect(throws: PlayerActionRefusal.closedNotBlocked) { try await blocks.unblock(closed, reason: "x", by: Self.staff) }
            // A closed player still signs in to withdraw; staff may block them too, and lifting
            // that block leaves them closed.
            try await blocks.block(closed, reason: "fraud", by: Self.staff)
            await #expect(throws: PlayerActionRefusal.alreadyDisabled) { try await blocks.block(closed, reason: "x", by: Self.staff) }
            try await blocks.unblock(closed, reason: "cleared", by: Self.staff)
            let stillClosed = try #require(try await statuses.status(of: closed))
            #expect(stillClosed.disabled && !stillClosed.blocked)

            // A closure after a block keeps the block (sign-in and withdrawals stay refused).
            let blockedThenClosed = try await PlayerStatusesTests.player(in: database)
            try await blocks.block(blockedThenClosed, reason: "fraud", by: Self.staff)
            let changed = try await database.withTransaction(logger: TestServices.logger) { connection in
                try await statuses.close(blockedThenClosed, reason: "under 18", actor: "compliance", on: connection)
            }
            #expect(changed, "the closure is recorded")
            #expect(try await statuses.status(of: blockedThenClosed)?.blocked == true, "the block stays")
            try await blocks.unblock(blockedThenClosed, reason: "cleared", by: Self.staff)
            let after = try #require(try await statuses.status(of: blockedThenClosed))
            #expect(after.disabled && !after.blocked, "the unblock lifted the block, not the closure")
            await #expect(throws: PlayerActionRefusal.notFound) { try await blocks.block(PlayerID(1), reason: "x", by: Self.staff) }
        }
    }

    /// A sign-in that passed its check just before the block commits makes a session after the
    /// block ended the others: using it must fail all the same.
    @Test func aSessionMadeAfterTheBlockDoesNotResolve() async throws {
        try await TestDatabase.with { database in
            let player = try await PlayerStatusesTests.player(in: database)
            let sessions = SessionStore(database: database, logger: TestServices.logger)
            try await PlayerBlocks(database: database, logger: TestServices.logger).block(player, reason: "fraud", by: Self.staff)
            let late = try await sessions.start(.player(player), policy: .player, userAgent: "phone", ip: "198.51.100.1")
            #expect(try await sessions.resolve(late, policy: .player) == nil)
            try await PlayerBlocks(database: database, logger: TestServices.logger).unblock(player, reason: "cleared", by: Self.staff)
            let fresh = try await sessions.start(.player(player), policy: .player, userAgent: "phone", ip: "198.51.100.1")
            #expect(try await sessions.resolve(fresh, policy: .player) == .player(player))
        }
    }

    @Test func notesAreAppendOnlyAndSegmentsAnswerBothWays() async throws {
        try await TestDatabase.with { database in
            let player = try await PlayerStatusesTests.player(in: database)
            let other = try await PlayerStatusesTests.player(in: database)
            let notes = PlayerNotes(database: database, logger: TestServices.logger)
            try await notes.add("called about a late payout", about: player, by: Self.staff)
            try await notes.add("second call", about: player, by: Self.staff)
            await #expect(throws: PlayerActionRefusal.reasonMissing) { try await notes.add(" ", about: player, by: Self.staff) }
            #expect(try await notes.notes(of: player).map(\.body) == ["second call", "called about a late payout"])
            await #expect(throws: PSQLError.self) {
                try await database.withConnection { connection in
                    _ = try await connection.query("UPDATE identity_player_notes SET body = 'rewritten'", logger: TestServices.logger)
                        .collect()
                }
            }

            let segments = PlayerSegments(database: database, logger: TestServices.logger)
            try await segments.tag(player, .vip, by: Self.staff)
            try await segments.tag(player, .vip, by: Self.staff)
            try await segments.tag(other, .vip, by: Self.staff)
            try await segments.tag(player, .testAccount, by: Self.staff)
            #expect(try await segments.segments(of: player) == [.testAccount, .vip])
            #expect(try await segments.isInSegment(player, .vip))
            #expect(try await !segments.isInSegment(player, .highRisk))
            let inOrder = [player, other].sorted { $0.rawValue < $1.rawValue }
            #expect(try await segments.players(in: .vip) == inOrder)
            #expect(try await segments.players(in: .vip, after: inOrder[0]) == [inOrder[1]])
            try await segments.untag(player, .vip, by: Self.staff)
            #expect(try await segments.segments(of: player) == [.testAccount])
            #expect(PlayerSegment(rawValue: "whale") == nil)
            let audit = try await AuditLog(database: database, logger: TestServices.logger).search(
                AuditLog.Filter(target: "player:\(player.rawValue)"))
            #expect(
                audit.map(\.entry.action).sorted() == [
                    "identity.player_note_added", "identity.player_note_added", "identity.player_tagged", "identity.player_tagged",
                    "identity.player_untagged",
                ], "tagging twice is audited once")
        }
    }

    static func telegramID(of player: PlayerID, in database: Database) async throws -> Int64? {
        try await database.withConnection { connection in
            try await connection.query(
                "SELECT telegram_id FROM identity_players WHERE id = \(player.rawValue)", logger: TestServices.logger
            )
            .collect().first?.decode(Int64.self)
        }
    }
}
