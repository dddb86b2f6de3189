import Core
import Persistence
import Foundation
import PostgresNIO
import Testing
import TestSupport

@testable import Identity

@Suite struct StaffDirectoryTests {
    func directory(_ database: Database) -> StaffDirectory {
        StaffDirectory(database: database, secret: .random(), logger: TestServices.logger, bcryptCost: 4)
    }

    @Test func signInNeedsPasswordAndTheCurrentTOTP() async throws {
        try await TestDatabase.with { database in
            let staff = directory(database)
            let (member, uri) = try await staff.create(email: "Owner@Casino.Example", password: "correct horse battery", role: .owner)
            #expect(member.email == "owner@casino.example")
            #expect(uri.hasPrefix("otpauth://totp/"))
            let now = Date()
            await #expect(throws: StaffSignInFailure.invalidCredentials(reason: "wrongTOTP")) {
                try await staff.signIn(email: "owner@casino.example", password: "correct horse battery", totp: "", now: now)
            }
            let wrong = RFC6238.code(uri: uri, at: now.addingTimeInterval(600))
            await #expect(throws: StaffSignInFailure.invalidCredentials(reason: "wrongTOTP")) {
                try await staff.signIn(email: "owner@casino.example", password: "correct horse battery", totp: wrong, now: now)
            }
            await #expect(throws: StaffSignInFailure.invalidCredentials(reason: "wrongPassword")) {
                try await staff.signIn(email: "owner@casino.example", password: "wrong", totp: RFC6238.code(uri: uri, at: now), now: now)
            }
            let signedIn = try await staff.signIn(email: " OWNER@casino.example ", password: "correct horse battery", totp: RFC6238.code(uri: uri, at: now), now: now)
            #expect(signedIn.id == member.id)
            #expect(signedIn.role == .owner)
            await #expect(throws: StaffSignInFailure.invalidCredentials(reason: "reusedTOTP"), "a code works once") {
                try await staff.signIn(email: "owner@casino.example", password: "correct horse battery", totp: RFC6238.code(uri: uri, at: now), now: now)
            }
            await #expect(throws: StaffSignInFailure.invalidCredentials(reason: "unknownEmail")) {
                try await staff.signIn(email: "nobody@casino.example", password: "x", totp: "123456", now: now)
            }
        }
    }

    @Test func repeatedFailuresLockTheAccountWithBackOff() async throws {
        try await TestDatabase.with { database in
            let staff = directory(database)
            let (_, uri) = try await staff.create(email: "risk@casino.example", password: "a long enough password", role: .risk)
            let now = Date()
            for _ in 0..<StaffDirectory.freeAttempts {
                await #expect(throws: StaffSignInFailure.self) {
                    try await staff.signIn(email: "risk@casino.example", password: "guess", totp: "000000", now: now)
                }
            }
            do {
                _ = try await staff.signIn(email: "risk@casino.example", password: "a long enough password", totp: RFC6238.code(uri: uri, at: now), now: now)
                Issue.record("a locked account signed in")
            } catch StaffSignInFailure.lockedOut(let until) {
                #expect(until > now && until <= now.addingTimeInterval(61))
            }
            let later = now.addingTimeInterval(120)
            let member = try await staff.signIn(email: "risk@casino.example", password: "a long enough password", totp: RFC6238.code(uri: uri, at: later), now: later)
            #expect(member.role == .risk)
        }
    }

    @Test func rolesBoundWhatTheyMayGrant() async throws {
        try await TestDatabase.with { database in
            let staff = directory(database)
            let (owner, _) = try await staff.create(email: "o@casino.example", password: "a long enough password", role: .owner)
            let (analyst, _) = try await staff.create(email: "a@casino.example", password: "a long enough password", role: .analyst)
            await #expect(throws: StaffDirectoryError.notAllowed) { try await staff.setRole(of: analyst.id, to: .owner, by: .admin) }
            await #expect(throws: StaffDirectoryError.notAllowed) { try await staff.setRole(of: owner.id, to: .analyst, by: .admin) }
            await #expect(throws: StaffDirectoryError.notAllowed) { try await staff.setRole(of: analyst.id, to: .finance, by: .finance) }
            let change = try await staff.setRole(of: analyst.id, to: .finance, by: .admin)
            #expect(change.before == .analyst && change.after == .finance)
            await #expect(throws: StaffDirectoryError.emailTaken) { try await staff.create(email: "A@casino.example", password: "a long enough password", role: .support) }
            await #expect(throws: StaffDirectoryError.weakPassword) { try await staff.create(email: "s@casino.example", password: "short", role: .support) }
            await #expect(throws: StaffDirectoryError.invalidEmail) { try await staff.create(email: "not-an-email", password: "a long enough password", role: .support) }
        }
    }

    @Test func thePermissionTableMatchesTheRoles() {
        #expect(StaffRole.analyst.can(.reportsView))
        #expect(!StaffRole.analyst.can(.moneyAdjust))
        #expect(StaffRole.finance.can(.moneyAdjust))
        #expect(!StaffRole.support.can(.staffManage))
        #expect(StaffRole.owner.permissions == Set(Permission.allCases))
    }
}

@Suite struct SessionStoreTests {
    @Test func sessionsExpireIdleAndCanBeRevoked() async throws {
        try await TestDatabase.with { database in
            let sessions = SessionStore(database: database, logger: TestServices.logger)
            let now = Date()
            let token = try await sessions.start(.player(PlayerID(5)), policy: .player, userAgent: "test", ip: "127.0.0.1", now: now)
            #expect(try await sessions.resolve(token, policy: .player, now: now) == .player(PlayerID(5)))
            #expect(try await sessions.resolve(String(repeating: "0", count: 64), policy: .player, now: now) == nil)
            #expect(try await sessions.resolve("not a token", policy: .player, now: now) == nil)
            #expect(try await sessions.resolve(token, policy: .player, now: now.addingTimeInterval(8 * 24 * 3600)) == nil, "idle for 8 days")
            let second = try await sessions.start(.player(PlayerID(5)), policy: .player, userAgent: "test", ip: "127.0.0.1", now: now)
            try await sessions.revoke(second)
            #expect(try await sessions.resolve(second, policy: .player, now: now) == nil)
            let stored = try await database.withConnection { connection in
                try await connection.query("SELECT count(*) FROM identity_sessions WHERE token_hash = decode(\(token), 'hex')", logger: TestServices.logger).collect()
            }
            #expect(try stored[0].decode(Int.self) == 0, "the token itself is never stored")
        }
    }

    @Test func aDisabledStaffMembersSessionsEnd() async throws {
        try await TestDatabase.with { database in
            let staff = StaffDirectory(database: database, secret: .random(), logger: TestServices.logger, bcryptCost: 4)
            let sessions = SessionStore(database: database, logger: TestServices.logger)
            let (member, _) = try await staff.create(email: "s@casino.example", password: "a long enough password", role: .support)
            let token = try await sessions.start(.staff(member.id), policy: .staff, userAgent: "", ip: "")
            #expect(try await sessions.resolve(token, policy: .staff) == .staff(member.id))
            try await staff.setDisabled(true, id: member.id, by: .owner)
            #expect(try await sessions.resolve(token, policy: .staff) == nil)
        }
    }
}

@Suite struct AuditLogTests {
    @Test func theChainVerifiesAndATamperedRowIsNamed() async throws {
        try await TestDatabase.with { database in
            let log = AuditLog(database: database, logger: TestServices.logger)
            var ids: [Int64] = []
            for action in ["staff.login", "staff.role_changed", "access.refused", "staff.logout"] {
                ids.append(try await log.append(AuditEntry(actor: "staff:1", action: action, target: "staff:2", summary: ["before": "analyst", "after": "finance"], ip: "127.0.0.1", requestID: "r1")))
            }
            let verified = try await log.verify()
            #expect(verified.rows == 4)
            #expect(verified.firstBroken == nil)
            #expect(try await log.search(.init(action: "staff.")).map(\.entry.action) == ["staff.logout", "staff.role_changed", "staff.login"])
            #expect(try await log.search(.init(action: "staff_")).isEmpty, "LIKE wildcards in a search are literal")
            await #expect(throws: PSQLError.self) {
                try await database.withConnection { try await $0.query("DELETE FROM identity_audit_log", logger: TestServices.logger).collect() }
            }
            try await database.withConnection { connection in
                try await connection.query("ALTER TABLE identity_audit_log DISABLE TRIGGER identity_audit_log_immutable", logger: TestServices.logger).collect()
                try await connection.query("UPDATE identity_audit_log SET summary = '{\"before\": \"owner\"}' WHERE id = \(ids[2])", logger: TestServices.logger).collect()
            }
            #expect(try await log.verify().firstBroken == ids[2])
        }
    }
}
