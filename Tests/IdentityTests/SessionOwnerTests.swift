import Core
import Foundation
import Persistence
import TestSupport
import Testing

@testable import Identity

@Suite struct SessionOwnerTests {
    @Test func aStaffTokenIsNoPlayerSessionAndCannotBeKeptAliveAsOne() async throws {
        try await TestDatabase.with { database in
            let directory = StaffDirectory(database: database, secret: .random(), logger: TestServices.logger, bcryptCost: 4)
            let (member, _) = try await directory.create(
                email: "support@casino.example", password: "a long enough password", role: .support)
            let sessions = SessionStore(database: database, logger: TestServices.logger)
            let start = Date()
            let token = try await sessions.start(.staff(member.id), policy: .staff, userAgent: "test", ip: "127.0.0.1", now: start)
            let staffIdle = Double(SessionPolicy.staff.idle.components.seconds)

            #expect(try await sessions.resolve(token, policy: .player, now: start.addingTimeInterval(staffIdle * 2 / 3)) == nil)
            #expect(
                try await sessions.resolve(token, policy: .staff, now: start.addingTimeInterval(staffIdle * 4 / 3)) == nil,
                "presenting the token as a player must not refresh the staff idle clock")
        }
    }

    @Test func aPlayerTokenIsNoStaffSession() async throws {
        try await TestDatabase.with { database in
            let sessions = SessionStore(database: database, logger: TestServices.logger)
            let start = Date()
            let token = try await sessions.start(
                .player(PlayerID(100_001)), policy: .player, userAgent: "test", ip: "127.0.0.1", now: start)
            #expect(try await sessions.resolve(token, policy: .staff, now: start) == nil)
            #expect(try await sessions.resolve(token, policy: .player, now: start) == .player(PlayerID(100_001)))
        }
    }
}
