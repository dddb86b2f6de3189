import Core
import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Writes the mail that carries a step-up code, in the player's language.
public protocol StepUpMailComposer: Sendable {
    func stepUpMail(to email: String, code: String, purpose: String, language: String) -> OutgoingMail
}

public enum StepUpError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Wrong, expired and already used codes all look the same.
    case codeInvalid
    /// Five wrong codes: a new code is needed.
    case codeLocked
    /// A code for this action was sent less than a minute ago, or too many were sent this hour.
    case sendTooSoon
    case noConfirmedEmail

    public var code: String {
        switch self {
        case .codeInvalid: "codeInvalid"
        case .codeLocked: "codeLocked"
        case .sendTooSoon: "resendTooSoon"
        case .noConfirmedEmail: "emailInvalid"
        }
    }

    public var description: String { code }
}

/// Step-up confirmation of a sensitive action by a signed-in player (a withdrawal, DESIGN §5):
/// a code mailed to their confirmed address, with sign-in codes' rules: 6 random digits stored as
/// an HMAC, valid 10 minutes, single use, 5 attempts, a new one at most once a minute and ten an
/// hour. `purpose` and `subject` (`withdrawal`, its id) bind the code to one action.
public struct StepUpCodes: Sendable {
    public let database: Database
    public let logger: Logger
    let codeKey: SymmetricKey
    let composer: any StepUpMailComposer
    let limiter: RateLimiter

    static let codeLifetime: TimeInterval = PlayerSignIn.codeLifetime
    static let maxAttempts = PlayerSignIn.maxAttempts
    static let resendDelay: TimeInterval = PlayerSignIn.resendDelay
    static let sendsPerHour = RateLimiter.Rule(limit: 10, window: 3600)

    public init(database: Database, secret: SecretKey, composer: any StepUpMailComposer, logger: Logger) {
        self.database = database
        self.logger = logger
        self.codeKey = secret.derive("step-up-code")
        self.composer = composer
        self.limiter = RateLimiter(database: database, logger: logger)
    }

    func codeHash(_ code: String, purpose: String, subject: String) -> ByteBuffer {
        ByteBuffer(bytes: Array(HMAC<SHA256>.authenticationCode(for: Data("\(purpose):\(subject):\(code)".utf8), using: codeKey)))
    }

    /// Mails a new code for (`purpose`, `subject`), replacing any earlier one, inside the caller's
    /// transaction: the action and its code are written together or not at all.
    public func send(to player: PlayerID, purpose: String, subject: String, on connection: PostgresConnection, now: Date = Date())
        async throws
    {
        let recipient = try await connection.query(
            "SELECT email, language FROM identity_players WHERE id = \(player.rawValue) AND email_confirmed_at IS NOT NULL FOR UPDATE",
            logger: logger)
        var found: (String, String)?
        for try await row in recipient.decode((String, String).self) { found = row }
        guard let (email, language) = found else { throw StepUpError.noConfirmedEmail }
        let last = try await connection.query(
            "SELECT created_at FROM identity_step_up_codes WHERE purpose = \(purpose) AND subject = \(subject)", logger: logger)
        for try await sentAt in last.decode(Date.self) where now.timeIntervalSince(sentAt) < Self.resendDelay {
            throw StepUpError.sendTooSoon
        }
        // Every send counts, a new code for the same action too (its row is reused), in windows
        // shared by all server copies; a send refused later in the caller's transaction still counts.
        if try await limiter.hit("step-up:\(player.rawValue)", rule: Self.sendsPerHour, now: now) != nil {
            throw StepUpError.sendTooSoon
        }
        let code = PlayerSignIn.randomCode()
        let expires = now.addingTimeInterval(Self.codeLifetime)
        try await connection.query(
            """
            INSERT INTO identity_step_up_codes (player_id, purpose, subject, code_hash, expires_at, created_at)
            VALUES (\(player.rawValue), \(purpose), \(subject), \(codeHash(code, purpose: purpose, subject: subject)), \(expires), \(now))
            ON CONFLICT (purpose, subject) DO UPDATE
               SET code_hash = EXCLUDED.code_hash, expires_at = EXCLUDED.expires_at, created_at = EXCLUDED.created_at, attempts = 0,
                   confirmed_at = NULL
             WHERE identity_step_up_codes.player_id = EXCLUDED.player_id AND identity_step_up_codes.confirmed_at IS NULL
            """, logger: logger
        ).collect()
        try await MailQueue.enqueue(
            composer.stepUpMail(to: email, code: code, purpose: purpose, language: language), secretExpiresAt: expires,
            on: connection, logger: logger)
    }

    /// Checks the code inside the caller's transaction and spends it on success. A wrong code
    /// is counted, so the caller commits whatever this returns and acts only on `.success`: the
    /// action and the spent code commit together.
    public func confirm(
        player: PlayerID, purpose: String, subject: String, code: String, on connection: PostgresConnection, now: Date = Date()
    ) async throws -> Result<Void, StepUpError> {
        let rows = try await connection.query(
            """
            SELECT code_hash, expires_at, attempts FROM identity_step_up_codes
             WHERE player_id = \(player.rawValue) AND purpose = \(purpose) AND subject = \(subject) AND confirmed_at IS NULL
             FOR UPDATE
            """, logger: logger)
        var found: (ByteBuffer, Date, Int)?
        for try await row in rows.decode((ByteBuffer, Date, Int).self) { found = row }
        guard let (stored, expires, attempts) = found else { return .failure(.codeInvalid) }
        if attempts >= Self.maxAttempts { return .failure(.codeLocked) }
        let given = codeHash(code.trimmingCharacters(in: .whitespaces), purpose: purpose, subject: subject)
        guard expires > now, Array(buffer: stored) == Array(buffer: given) else {
            try await connection.query(
                """
                UPDATE identity_step_up_codes SET attempts = attempts + 1
                 WHERE player_id = \(player.rawValue) AND purpose = \(purpose) AND subject = \(subject)
                """, logger: logger
            ).collect()
            return .failure(attempts + 1 >= Self.maxAttempts ? .codeLocked : .codeInvalid)
        }
        try await connection.query(
            """
            UPDATE identity_step_up_codes SET confirmed_at = \(now)
             WHERE player_id = \(player.rawValue) AND purpose = \(purpose) AND subject = \(subject)
            """, logger: logger
        ).collect()
        return .success(())
    }
}
