import Core
import Foundation
import Persistence
import PostgresNIO
import TestSupport
import Testing

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
            let signedIn = try await staff.signIn(
                email: " OWNER@casino.example ", password: "correct horse battery", totp: RFC6238.code(uri: uri, at: now), now: now)
            #expect(signedIn.id == member.id)
            #expect(signedIn.role == .owner)
            await #expect(throws: StaffSignInFailure.invalidCredentials(reason: "reusedTOTP"), "a code works once") {
                try await staff.signIn(
                    email: "owner@casino.example", password: "correct horse battery", totp: RFC6238.code(uri: uri, at: now), now: now)
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
                _ = try await staff.signIn(
                    email: "risk@casino.example", password: "a long enough password", totp: RFC6238.code(uri: uri, at: now), now: now)
                Issue.record("a locked account signed in")
            } catch StaffSignInFailure.lockedOut(let until) {
                #expect(until > now && until <= now.addingTimeInterval(61))
            }
            let later = now.addingTimeInterval(120)
            let member = try await staff.signIn(
                email: "risk@casino.example", password: "a long enough password", totp: RFC6238.code(uri: uri, at: later), now: later)
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
            await #expect(throws: StaffDirectoryError.emailTaken) {
                try await staff.create(email: "A@casino.example", password: "a long enough password", role: .support)
            }
            await #expect(throws: StaffDirectoryError.weakPassword) {
                try await staff.create(email: "s@casino.example", password: "short", role: .support)
            }
            await #expect(throws: StaffDirectoryError.invalidEmail) {
                try await staff.create(email: "not-an-email", password: "a long enough password", role: .support)
            }
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
            #expect(
                try await sessions.resolve(token, policy: .player, now: now.addingTimeInterval(8 * 24 * 3600)) == nil, "idle for 8 days")
            let second = try await sessions.start(.player(PlayerID(5)), policy: .player, userAgent: "test", ip: "127.0.0.1", now: now)
            try await sessions.revoke(second)
            #expect(try await sessions.resolve(second, policy: .player, now: now) == nil)
            let stored = try await database.withConnection { connection in
                try await connection.query(
                    "SELECT count(*) FROM identity_sessions WHERE token_hash = decode(\(token), 'hex')", logger: TestServices.logger
                ).collect()
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

@Suite struct StaffEnrolmentTests {
    func directory(_ database: Database) -> StaffDirectory {
        StaffDirectory(database: database, secret: .random(), logger: TestServices.logger, bcryptCost: 4)
    }

    @Test func anInviteeEnrolsOnceAndThenSignsIn() async throws {
        try await TestDatabase.with { database in
            let staff = directory(database)
            let (owner, _) = try await staff.create(email: "owner@casino.example", password: "correct horse battery", role: .owner)
            let invitation = try await staff.invite(email: "New.Analyst@Casino.Example", role: .analyst, by: owner)
            #expect(invitation.member.email == "new.analyst@casino.example")
            #expect(try await staff.member(id: invitation.member.id)?.enrolled == false)
            await #expect(throws: StaffSignInFailure.invalidCredentials(reason: "notEnrolled")) {
                try await staff.signIn(email: "new.analyst@casino.example", password: "", totp: "")
            }
            let page = try await staff.enrolment(token: invitation.token)
            #expect(page.member.id == invitation.member.id)
            #expect(page.otpauth.contains("secret=\(page.secret)"), "the secret shown for typing is the one in the URI")
            let now = Date()
            await #expect(throws: StaffDirectoryError.wrongTOTP) {
                try await staff.completeEnrolment(
                    token: invitation.token, password: "a brand new password",
                    totp: RFC6238.code(uri: page.otpauth, at: now.addingTimeInterval(300)), now: now)
            }
            await #expect(throws: StaffDirectoryError.weakPassword) {
                try await staff.completeEnrolment(
                    token: invitation.token, password: "short", totp: RFC6238.code(uri: page.otpauth, at: now), now: now)
            }
            let enrolled = try await staff.completeEnrolment(
                token: invitation.token, password: "a brand new password", totp: RFC6238.code(uri: page.otpauth, at: now), now: now)
            #expect(enrolled.enrolled)
            await #expect(throws: StaffDirectoryError.enrolmentInvalid, "a link works once") {
                try await staff.enrolment(token: invitation.token)
            }
            await #expect(throws: StaffSignInFailure.invalidCredentials(reason: "reusedTOTP"), "the enrolment code is spent") {
                try await staff.signIn(
                    email: "new.analyst@casino.example", password: "a brand new password", totp: RFC6238.code(uri: page.otpauth, at: now),
                    now: now)
            }
            let later = now.addingTimeInterval(60)
            let signedIn = try await staff.signIn(
                email: "new.analyst@casino.example", password: "a brand new password", totp: RFC6238.code(uri: page.otpauth, at: later),
                now: later)
            #expect(signedIn.role == .analyst)
        }
    }

    @Test func rolesBoundWhoMayInviteAndReset() async throws {
        try await TestDatabase.with { database in
            let staff = directory(database)
            let (owner, _) = try await staff.create(email: "owner@casino.example", password: "correct horse battery", role: .owner)
            let (admin, _) = try await staff.create(email: "admin@casino.example", password: "correct horse battery", role: .admin)
            let (finance, _) = try await staff.create(email: "finance@casino.example", password: "correct horse battery", role: .finance)
            await #expect(throws: StaffDirectoryError.notAllowed) {
                try await staff.invite(email: "o2@casino.example", role: .owner, by: admin)
            }
            await #expect(throws: StaffDirectoryError.notAllowed) {
                try await staff.invite(email: "x@casino.example", role: .support, by: finance)
            }
            await #expect(throws: StaffDirectoryError.notAllowed) { try await staff.resetTOTP(of: owner.id, by: admin) }
            await #expect(throws: StaffDirectoryError.emailTaken) {
                try await staff.invite(email: "finance@casino.example", role: .support, by: owner)
            }
            await #expect(throws: StaffDirectoryError.invalidEmail) {
                try await staff.invite(email: "not an address", role: .support, by: owner)
            }
        }
    }

    @Test func aTOTPResetStopsTheOldCredentialsAndSessionsAndOldLinks() async throws {
        try await TestDatabase.with { database in
            let staff = directory(database)
            let sessions = SessionStore(database: database, logger: TestServices.logger)
            let (owner, _) = try await staff.create(email: "owner@casino.example", password: "correct horse battery", role: .owner)
            let (member, uri) = try await staff.create(email: "risk@casino.example", password: "the old password!", role: .risk)
            let token = try await sessions.start(.staff(member.id), policy: .staff, userAgent: "", ip: "")
            let first = try await staff.resetTOTP(of: member.id, by: owner)
            let second = try await staff.resetTOTP(of: member.id, by: owner)
            #expect(try await sessions.resolve(token, policy: .staff) == nil, "the member's sessions end")
            await #expect(throws: StaffSignInFailure.invalidCredentials(reason: "notEnrolled")) {
                try await staff.signIn(
                    email: "risk@casino.example", password: "the old password!", totp: RFC6238.code(uri: uri, at: Date()))
            }
            await #expect(throws: StaffDirectoryError.enrolmentInvalid, "a newer link replaces an older one") {
                try await staff.enrolment(token: first.token)
            }
            let page = try await staff.enrolment(token: second.token)
            #expect(page.secret != (URLComponents(string: uri)?.queryItems?.first { $0.name == "secret" }?.value ?? ""), "a new secret")
            await #expect(throws: StaffDirectoryError.enrolmentInvalid) {
                try await staff.enrolment(token: second.token, now: Date().addingTimeInterval(StaffDirectory.enrolmentLifetime + 1))
            }
        }
    }
}

@Suite struct PlayerDeviceTests {
    @Test func revokingADeviceEndsItsSessionAndItsTrust() async throws {
        try await TestDatabase.with { database in
            let sessions = SessionStore(database: database, logger: TestServices.logger)
            let player = PlayerID(100_777)
            try await database.withConnection { connection in
                _ = try await connection.query(
                    """
                    INSERT INTO identity_players (id, telegram_id, email, email_confirmed_at, adult_confirmed_at, terms_accepted_at)
                    OVERRIDING SYSTEM VALUE VALUES (100777, 77, 'p@example.com', now(), now(), now())
                    """, logger: TestServices.logger
                ).collect()
                _ = try await connection.query(
                    "INSERT INTO identity_devices (player_id, device_hash, confirmed_at) VALUES (100777, sha256('phone'::bytea), now())",
                    logger: TestServices.logger
                ).collect()
            }
            let phone = try await sessions.start(
                .player(player), policy: .player, userAgent: "Mozilla/5.0 (Linux; Android 14) Chrome/131", ip: "10.0.0.2", device: "phone")
            let laptop = try await sessions.start(
                .player(player), policy: .player, userAgent: "Mozilla/5.0 (X11; Linux) Firefox/133", ip: "10.0.0.3", device: "laptop")
            let devices = try await sessions.devices(of: player, current: laptop)
            #expect(devices.count == 2)
            #expect(devices.filter(\.current).count == 1)
            let phoneDevice = try #require(devices.first { !$0.current })
            #expect(try await sessions.revoke(device: phoneDevice.id, of: PlayerID(999)) == false, "not someone else's")
            #expect(try await sessions.revoke(device: phoneDevice.id, of: player))
            #expect(try await sessions.resolve(phone, policy: .player) == nil)
            #expect(try await sessions.resolve(laptop, policy: .player) == .player(player))
            let trusted = try await database.withConnection { connection in
                try await connection.query("SELECT count(*) FROM identity_devices WHERE player_id = 100777", logger: TestServices.logger)
                    .collect().first?.decode(Int.self)
            }
            #expect(trusted == 0, "the phone needs a fresh e-mail code next time")
            #expect(try await sessions.revoke(device: phoneDevice.id, of: player) == false, "already revoked")
        }
    }
}

@Suite struct IdentityHousekeepingTests {
    @Test func oldWindowsFlowsAndReplayGuardsAreSweptAndFreshOnesKept() async throws {
        try await TestDatabase.with { database in
            let limiter = RateLimiter(database: database, logger: TestServices.logger)
            let now = Date()
            _ = try await limiter.hit("ip:1", rule: .perAddress, now: now.addingTimeInterval(-2 * 86_400))
            _ = try await limiter.hit("ip:1", rule: .perAddress, now: now)
            try await database.withConnection { connection in
                _ = try await connection.query(
                    """
                    INSERT INTO identity_oidc_flows (state_hash, nonce, code_verifier, expires_at)
                    VALUES ('\\x01', 'n', 'v', \(now.addingTimeInterval(-1))), ('\\x02', 'n', 'v', \(now.addingTimeInterval(600)))
                    """, logger: TestServices.logger
                ).collect()
                _ = try await connection.query(
                    "INSERT INTO identity_auth_replays (digest, expires_at) VALUES ('\\x01', \(now.addingTimeInterval(-1))), ('\\x02', \(now.addingTimeInterval(60)))",
                    logger: TestServices.logger
                ).collect()
            }
            let removed = try await IdentityHousekeeping(database: database, logger: TestServices.logger).sweep(now: now)
            #expect(removed["identity_rate_limits"] == 1)
            #expect(removed["identity_oidc_flows"] == 1)
            #expect(removed["identity_auth_replays"] == 1)
            let again = try await IdentityHousekeeping(database: database, logger: TestServices.logger).sweep(now: now)
            #expect(again.values.allSatisfy { $0 == 0 })
        }
    }
}

@Suite struct AuditLogTests {
    @Test func theChainVerifiesAndATamperedRowIsNamed() async throws {
        try await TestDatabase.with { database in
            let log = AuditLog(database: database, logger: TestServices.logger)
            var ids: [Int64] = []
            for action in ["staff.login", "staff.role_changed", "access.refused", "staff.logout"] {
                ids.append(
                    try await log.append(
                        AuditEntry(
                            actor: "staff:1", action: action, target: "staff:2", summary: ["before": "analyst", "after": "finance"],
                            ip: "127.0.0.1", requestID: "r1")))
            }
            let verified = try await log.verify()
            #expect(verified.rows == 4)
            #expect(verified.firstBroken == nil)
            #expect(
                try await log.search(.init(action: "staff.")).map(\.entry.action) == ["staff.logout", "staff.role_changed", "staff.login"])
            #expect(try await log.search(.init(action: "staff_")).isEmpty, "LIKE wildcards in a search are literal")
            await #expect(throws: PSQLError.self) {
                try await database.withConnection {
                    try await $0.query("DELETE FROM identity_audit_log", logger: TestServices.logger).collect()
                }
            }
            try await database.withConnection { connection in
                try await connection.query(
                    "ALTER TABLE identity_audit_log DISABLE TRIGGER identity_audit_log_immutable", logger: TestServices.logger
                ).collect()
                try await connection.query(
                    "UPDATE identity_audit_log SET summary = '{\"before\": \"owner\"}' WHERE id = \(ids[2])", logger: TestServices.logger
                ).collect()
            }
            #expect(try await log.verify().firstBroken == ids[2])
        }
    }
}

@Suite struct SealedTOTPSecretTests {
    /// Someone who can write the database but not read the application secret copies their own
    /// sealed TOTP secret onto another member's row, hoping to use their own authenticator there.
    @Test func aSecretCopiedOntoAnotherMembersRowDoesNotOpenThere() async throws {
        try await TestDatabase.with { database in
            let staff = StaffDirectory(database: database, secret: .random(), logger: TestServices.logger, bcryptCost: 4)
            let (mallory, malloryURI) = try await staff.create(
                email: "m@casino.example", password: "mallory's long password", role: .support)
            let (owner, _) = try await staff.create(email: "o@casino.example", password: "the owner's long password", role: .owner)
            try await database.withConnection { connection in
                try await connection.query(
                    """
                    UPDATE identity_staff SET totp_secret = (SELECT totp_secret FROM identity_staff WHERE id = \(mallory.id))
                     WHERE id = \(owner.id)
                    """, logger: TestServices.logger
                ).collect()
            }
            let now = Date()
            await #expect(throws: StaffSignInFailure.invalidCredentials(reason: "totpSecretUnreadable")) {
                try await staff.signIn(
                    email: "o@casino.example", password: "the owner's long password", totp: RFC6238.code(uri: malloryURI, at: now), now: now
                )
            }
        }
    }

    @Test func anEnrolmentLinkWhoseSecretWasSwappedIsInvalid() async throws {
        try await TestDatabase.with { database in
            let staff = StaffDirectory(database: database, secret: .random(), logger: TestServices.logger, bcryptCost: 4)
            let (owner, _) = try await staff.create(email: "o@casino.example", password: "the owner's long password", role: .owner)
            let first = try await staff.invite(email: "a@casino.example", role: .analyst, by: owner)
            let second = try await staff.invite(email: "b@casino.example", role: .analyst, by: owner)
            try await database.withConnection { connection in
                try await connection.query(
                    """
                    UPDATE identity_staff_enrolments SET totp_secret =
                           (SELECT totp_secret FROM identity_staff_enrolments WHERE staff_id = \(first.member.id))
                     WHERE staff_id = \(second.member.id)
                    """, logger: TestServices.logger
                ).collect()
            }
            await #expect(throws: StaffDirectoryError.enrolmentInvalid) { try await staff.enrolment(token: second.token) }
            _ = try await staff.enrolment(token: first.token)
        }
    }
}
