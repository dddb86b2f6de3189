import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Enrolment: invitations and TOTP resets, each a one-time link (32 random bytes, stored
/// hashed, 72 hours, single use) that sets a password and proves a fresh TOTP secret.
extension StaffDirectory {
    /// How long an enrolment link works.
    public static let enrolmentLifetime: TimeInterval = 72 * 3600

    /// A one-time enrolment link's token (shown once to the inviter, stored hashed) and the
    /// member it belongs to.
    public struct Enrolment: Sendable {
        public let member: StaffMember
        public let token: String
    }

    /// Creates a member without credentials and an enrolment link for them.
    public func invite(email rawEmail: String, role: StaffRole, by actor: StaffMember, now: Date = Date()) async throws -> Enrolment {
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard email.wholeMatch(of: /[^@\s]+@[^@\s]+\.[^@\s]+/) != nil, email.utf8.count <= 254 else {
            throw StaffDirectoryError.invalidEmail
        }
        guard actor.role.canAssign(role) else { throw StaffDirectoryError.notAllowed }
        let token = RandomToken.hex(byteCount: 32)
        do {
            return try await database.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    "INSERT INTO identity_staff (email, role) VALUES (\(email), \(role.rawValue)) RETURNING id, created_at", logger: logger)
                var member: StaffMember?
                for try await (id, createdAt) in rows.decode((Int64, Date).self) {
                    member = StaffMember(
                        id: id, email: email, role: role, disabled: false, lastLoginAt: nil, createdAt: createdAt, enrolled: false)
                }
                guard let member else { throw StaffDirectoryError.notFound }
                try await insertEnrolment(token: token, staff: member.id, purpose: "invite", by: actor.id, now: now, on: connection)
                return Enrolment(member: member, token: token)
            }
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StaffDirectoryError.emailTaken
        }
    }

    /// Clears a member's password and TOTP, ends their sessions and issues an enrolment link:
    /// for a lost authenticator. Earlier unused links stop working.
    public func resetTOTP(of id: Int64, by actor: StaffMember, now: Date = Date()) async throws -> Enrolment {
        guard let target = try await member(id: id) else { throw StaffDirectoryError.notFound }
        guard actor.role.canAssign(target.role), !target.disabled else { throw StaffDirectoryError.notAllowed }
        let token = RandomToken.hex(byteCount: 32)
        try await database.withTransaction(logger: logger) { connection in
            _ = try await connection.query(
                "UPDATE identity_staff SET password_hash = NULL, totp_secret = NULL, failed_attempts = 0, locked_until = NULL WHERE id = \(id)",
                logger: logger
            ).collect()
            _ = try await connection.query(
                "UPDATE identity_sessions SET revoked_at = \(now) WHERE staff_id = \(id) AND revoked_at IS NULL", logger: logger
            ).collect()
            try await insertEnrolment(token: token, staff: id, purpose: "totpReset", by: actor.id, now: now, on: connection)
        }
        return Enrolment(member: target, token: token)
    }

    /// The link's fresh TOTP secret is sealed for the member it enrols, so it opens only on their row.
    private func insertEnrolment(
        token: String, staff: Int64, purpose: String, by actor: Int64, now: Date, on connection: PostgresConnection
    ) async throws {
        let sealed = ByteBuffer(bytes: try TOTPSecret.random().sealed(with: totpSealer, for: staff))
        _ = try await connection.query(
            "UPDATE identity_staff_enrolments SET used_at = \(now) WHERE staff_id = \(staff) AND used_at IS NULL", logger: logger
        ).collect()
        _ = try await connection.query(
            """
            INSERT INTO identity_staff_enrolments (token_hash, staff_id, purpose, totp_secret, created_by, created_at, expires_at)
            VALUES (\(SessionStore.hash(token)), \(staff), \(purpose), \(sealed), \(actor), \(now), \(now.addingTimeInterval(Self.enrolmentLifetime)))
            """, logger: logger
        ).collect()
    }

    /// What the enrolment page shows: whose link it is and the authenticator URI to scan.
    public func enrolment(token: String, now: Date = Date()) async throws -> (member: StaffMember, otpauth: String, secret: String) {
        guard token.count == 64, Hex.decode(token) != nil else { throw StaffDirectoryError.enrolmentInvalid }
        let found: (Int64, ByteBuffer)? = try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT e.staff_id, e.totp_secret FROM identity_staff_enrolments e JOIN identity_staff s ON s.id = e.staff_id
                 WHERE e.token_hash = \(SessionStore.hash(token)) AND e.used_at IS NULL AND e.expires_at > \(now) AND s.disabled_at IS NULL
                """, logger: logger)
            for try await row in rows.decode((Int64, ByteBuffer).self) { return row }
            return nil
        }
        guard let (id, sealed) = found, let member = try await member(id: id) else { throw StaffDirectoryError.enrolmentInvalid }
        guard let secret = try? TOTPSecret.open(Array(buffer: sealed), with: totpSealer, for: id) else {
            throw StaffDirectoryError.enrolmentInvalid
        }
        return (member, secret.authenticatorURI(account: member.email), secret.base32)
    }

    /// Sets the password and the enrolled TOTP secret once the member proves the authenticator
    /// works; the link is then used up.
    public func completeEnrolment(token: String, password: String, totp: String, now: Date = Date()) async throws -> StaffMember {
        guard token.count == 64, Hex.decode(token) != nil else { throw StaffDirectoryError.enrolmentInvalid }
        guard password.count >= 12 else { throw StaffDirectoryError.weakPassword }
        let hash = try await Self.bcryptHash(password, cost: bcryptCost)
        let id: Int64 = try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT e.staff_id, e.totp_secret FROM identity_staff_enrolments e JOIN identity_staff s ON s.id = e.staff_id
                 WHERE e.token_hash = \(SessionStore.hash(token)) AND e.used_at IS NULL AND e.expires_at > \(now) AND s.disabled_at IS NULL
                 FOR UPDATE OF e
                """, logger: logger)
            var found: (Int64, ByteBuffer)?
            for try await row in rows.decode((Int64, ByteBuffer).self) { found = row }
            guard let (id, sealed) = found else { throw StaffDirectoryError.enrolmentInvalid }
            guard let secret = try? TOTPSecret.open(Array(buffer: sealed), with: totpSealer, for: id) else {
                throw StaffDirectoryError.enrolmentInvalid
            }
            guard let step = secret.matchingStep(totp, at: now) else { throw StaffDirectoryError.wrongTOTP }
            _ = try await connection.query(
                """
                UPDATE identity_staff SET password_hash = \(hash), totp_secret = \(sealed), totp_last_step = \(step), failed_attempts = 0,
                       locked_until = NULL WHERE id = \(id)
                """, logger: logger
            ).collect()
            _ = try await connection.query(
                "UPDATE identity_staff_enrolments SET used_at = \(now) WHERE token_hash = \(SessionStore.hash(token))", logger: logger
            ).collect()
            return id
        }
        guard let member = try await member(id: id) else { throw StaffDirectoryError.notFound }
        return member
    }
}
