import Core
import Foundation
import HummingbirdBcrypt
import Logging
import Persistence
import PostgresNIO
import Synchronization

/// Staff accounts: e-mail + bcrypt password + TOTP, mandatory. Repeated failures lock the
/// account with a growing back-off.
public struct StaffDirectory: Sendable {
    public let database: Database
    public let logger: Logger
    let totpSealer: RowSealer
    let bcryptCost: UInt8

    /// Failures allowed before the first lock-out; each further failure doubles it (1 min, 2, 4, … 60).
    static let freeAttempts = 5

    public init(database: Database, secret: SecretKey, logger: Logger, bcryptCost: UInt8 = 12) {
        self.database = database
        self.logger = logger
        self.totpSealer = RowSealer(secret: secret, purpose: "staff-totp")
        self.bcryptCost = bcryptCost
    }

    /// Creates a staff member and returns the TOTP enrolment URI, shown once.
    public func create(email rawEmail: String, password: String, role: StaffRole) async throws -> (StaffMember, otpauth: String) {
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard email.wholeMatch(of: /[^@\s]+@[^@\s]+\.[^@\s]+/) != nil, email.utf8.count <= 254 else {
            throw StaffDirectoryError.invalidEmail
        }
        guard password.count >= 12 else { throw StaffDirectoryError.weakPassword }
        let secret = TOTPSecret.random()
        let hash = try await Self.bcryptHash(password, cost: bcryptCost)
        do {
            // The seal names the member, so the row is created first and sealed once its id exists.
            let member = try await database.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    INSERT INTO identity_staff (email, password_hash, role) VALUES (\(email), \(hash), \(role.rawValue))
                    RETURNING id, created_at
                    """, logger: logger)
                var created: StaffMember?
                for try await (id, createdAt) in rows.decode((Int64, Date).self) {
                    created = StaffMember(id: id, email: email, role: role, disabled: false, lastLoginAt: nil, createdAt: createdAt)
                }
                guard let created else { throw StaffDirectoryError.notFound }
                let sealed = ByteBuffer(bytes: try secret.sealed(with: totpSealer, for: created.id))
                try await connection.query("UPDATE identity_staff SET totp_secret = \(sealed) WHERE id = \(created.id)", logger: logger)
                    .collect()
                return created
            }
            return (member, secret.authenticatorURI(account: email))
        } catch let error as PSQLError where error.sqlState == "23505" {
            throw StaffDirectoryError.emailTaken
        }
    }

    /// Checks e-mail, password and TOTP code. Unknown e-mails cost a bcrypt check too, so
    /// timing does not reveal which addresses exist.
    public func signIn(email rawEmail: String, password: String, totp: String, now: Date = Date()) async throws -> StaffMember {
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        // The failure counter must be committed, so refusals are returned from the
        // transaction and thrown after it.
        let result: Result<StaffMember, StaffSignInFailure> = try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT id, password_hash, totp_secret, totp_last_step, role, disabled_at IS NOT NULL, failed_attempts, locked_until,
                       last_login_at, created_at
                  FROM identity_staff WHERE email = \(email) FOR UPDATE
                """, logger: logger)
            var found: (Int64, String?, ByteBuffer?, Int64, String, Bool, Int, Date?, Date?, Date)?
            for try await row in rows.decode((Int64, String?, ByteBuffer?, Int64, String, Bool, Int, Date?, Date?, Date).self) {
                found = row
            }
            guard let (id, passwordHash, sealed, lastStep, roleText, disabled, failures, lockedUntil, _, createdAt) = found,
                let role = StaffRole(rawValue: roleText)
            else {
                _ = try await Self.bcryptVerify(password, hash: try await Self.decoyHash(cost: bcryptCost))
                return .failure(.invalidCredentials(reason: "unknownEmail"))
            }
            if let lockedUntil, lockedUntil > now { return .failure(.lockedOut(until: lockedUntil)) }
            // An invited member, or one whose TOTP was reset, has no credentials until enrolled.
            let checked: String
            if let passwordHash { checked = passwordHash } else { checked = try await Self.decoyHash(cost: bcryptCost) }
            let passwordOK = try await Self.bcryptVerify(password, hash: checked) && passwordHash != nil
            // A seal that does not open for this member was made for another row or altered.
            let secret = sealed.flatMap { try? TOTPSecret.open(Array(buffer: $0), with: totpSealer, for: id) }
            let step = secret?.matchingStep(totp, at: now)
            let reason: String? =
                if disabled { "disabled" } else if passwordHash == nil || sealed == nil { "notEnrolled" } else if !passwordOK {
                    "wrongPassword"
                } else if secret == nil { "totpSecretUnreadable" } else if step == nil { "wrongTOTP" } else if step! <= lastStep {
                    "reusedTOTP"
                } else { nil }
            if let reason {
                let attempts = failures + 1
                let lock: Date? =
                    attempts >= Self.freeAttempts
                    ? now.addingTimeInterval(60 * Double(min(60, 1 << min(attempts - Self.freeAttempts, 6)))) : nil
                try await connection.query(
                    "UPDATE identity_staff SET failed_attempts = \(attempts), locked_until = \(lock) WHERE id = \(id)", logger: logger
                ).collect()
                return .failure(.invalidCredentials(reason: reason))
            }
            try await connection.query(
                """
                UPDATE identity_staff SET failed_attempts = 0, locked_until = NULL, totp_last_step = \(step!), last_login_at = \(now)
                 WHERE id = \(id)
                """, logger: logger
            ).collect()
            return .success(StaffMember(id: id, email: email, role: role, disabled: false, lastLoginAt: now, createdAt: createdAt))
        }
        return try result.get()
    }

    /// Bcrypt hashes of random texts nobody knows, one per cost, checked when the e-mail is
    /// unknown: at the directory's own cost, so an unknown address takes as long as a known one.
    private static let decoys = Mutex<[UInt8: String]>([:])

    static func decoyHash(cost: UInt8) async throws -> String {
        if let hash = decoys.withLock({ $0[cost] }) { return hash }
        let made = try await bcryptHash(RandomToken.hex(byteCount: 16), cost: cost)
        return decoys.withLock { decoys in
            if let first = decoys[cost] { return first }
            decoys[cost] = made
            return made
        }
    }

    /// bcrypt at cost 12 keeps a core busy for a quarter of a second or more; on a concurrency
    /// thread that would stall every task queued behind it, so it runs on `CPUBoundWork`.
    static func bcryptHash(_ password: String, cost: UInt8) async throws -> String {
        try await CPUBoundWork.run { Bcrypt.hash(password, cost: cost) }
    }

    static func bcryptVerify(_ password: String, hash: String) async throws -> Bool {
        try await CPUBoundWork.run { Bcrypt.verify(password, hash: hash) }
    }

    /// One staff member; the session middleware calls this on every signed-in request.
    public func member(id: Int64) async throws -> StaffMember? {
        try await members(id: id).first
    }

    public func list() async throws -> [StaffMember] {
        try await members(id: nil)
    }

    /// One member by id, or everyone when `id` is nil.
    private func members(id: Int64?) async throws -> [StaffMember] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, email, role, disabled_at IS NOT NULL, last_login_at, created_at, password_hash IS NOT NULL AND totp_secret IS NOT NULL
                  FROM identity_staff WHERE \(id)::bigint IS NULL OR id = \(id) ORDER BY id
                """, logger: logger)
            var members: [StaffMember] = []
            for try await (id, email, role, disabled, lastLogin, createdAt, enrolled) in rows.decode(
                (Int64, String, String, Bool, Date?, Date, Bool).self)
            {
                members.append(
                    StaffMember(
                        id: id, email: email, role: StaffRole(rawValue: role) ?? .analyst, disabled: disabled, lastLoginAt: lastLogin,
                        createdAt: createdAt,
                        enrolled: enrolled))
            }
            return members
        }
    }

    /// Changes a role; the actor's own role bounds what it may grant and whom it may change.
    public func setRole(of id: Int64, to role: StaffRole, by actor: StaffRole) async throws -> (before: StaffRole, after: StaffRole) {
        guard let target = try await member(id: id) else { throw StaffDirectoryError.notFound }
        guard actor.canAssign(role), actor.canAssign(target.role) else { throw StaffDirectoryError.notAllowed }
        try await database.withConnection { connection in
            try await connection.query("UPDATE identity_staff SET role = \(role.rawValue) WHERE id = \(id)", logger: logger).collect()
        }
        return (target.role, role)
    }

    /// Disables or re-enables an account; disabling also ends its sessions.
    public func setDisabled(_ disabled: Bool, id: Int64, by actor: StaffRole) async throws {
        guard let target = try await member(id: id) else { throw StaffDirectoryError.notFound }
        guard actor.canAssign(target.role) else { throw StaffDirectoryError.notAllowed }
        try await database.withTransaction(logger: logger) { connection in
            try await connection.query(
                "UPDATE identity_staff SET disabled_at = CASE WHEN \(disabled) THEN now() END WHERE id = \(id)", logger: logger
            ).collect()
            if disabled {
                try await connection.query(
                    "UPDATE identity_sessions SET revoked_at = now() WHERE staff_id = \(id) AND revoked_at IS NULL", logger: logger
                ).collect()
            }
        }
    }
}
