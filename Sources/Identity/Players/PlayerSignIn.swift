import Core
import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Writes the sign-in mail (a one-time code and a confirmation link) in the player's language.
public protocol SignInMailComposer: Sendable {
    func codeMail(to email: String, code: String, link: String, language: String) -> OutgoingMail
}

/// What the client should do next.
public enum SignInStep: Sendable, Equatable {
    /// Ask for an e-mail address, 18+ and the terms (a new player).
    case email(challenge: String)
    /// Ask for the code just sent by e-mail.
    case code(challenge: String)
    /// Signed in.
    case done(PlayerID)
}

public enum SignInError: Error, Sendable, Equatable, CustomStringConvertible {
    case replayed
    case challengeInvalid
    case emailInvalid
    case mustBeAdult
    case mustAcceptTerms
    case emailTaken
    /// Wrong, expired and already used codes all look the same.
    case codeInvalid
    /// Five wrong codes: a new code is needed.
    case codeLocked
    case resendTooSoon
    /// Staff blocked the player (`PlayerBlocks`): no sign-in until the block is lifted.
    case playerBlocked

    public var code: String {
        switch self {
        case .replayed: "telegramReplayed"
        case .challengeInvalid: "challengeInvalid"
        case .emailInvalid: "emailInvalid"
        case .mustBeAdult: "mustBeAdult"
        case .mustAcceptTerms: "mustAcceptTerms"
        case .emailTaken: "emailTaken"
        case .codeInvalid: "codeInvalid"
        case .codeLocked: "codeLocked"
        case .resendTooSoon: "resendTooSoon"
        case .playerBlocked: "playerBlocked"
        }
    }

    public var description: String { code }
}

/// Two-factor sign-in for players: Telegram says who they are, e-mail confirms it. The account
/// exists only once the e-mail is confirmed; a device not confirmed in the last 30 days needs a
/// fresh code. Codes are 6 random digits, stored as an HMAC, valid 10 minutes, single use,
/// 5 attempts; resending waits a minute.
public struct PlayerSignIn: Sendable {
    public let database: Database
    public let logger: Logger
    let codeKey: SymmetricKey
    let composer: any SignInMailComposer
    let publicURL: String

    public static let challengeLifetime: TimeInterval = 30 * 60
    static let codeLifetime: TimeInterval = 10 * 60
    static let maxAttempts = 5
    static let maxSends = 5
    static let resendDelay: TimeInterval = 60
    static let deviceTrust: TimeInterval = 30 * 24 * 3600

    public init(database: Database, secret: SecretKey, composer: any SignInMailComposer, publicURL: String, logger: Logger) {
        self.database = database
        self.logger = logger
        self.codeKey = secret.derive("email-code")
        self.composer = composer
        self.publicURL = publicURL
    }

    static func digest(_ text: String) -> ByteBuffer { ByteBuffer(bytes: Array(SHA256.hash(data: Data(text.utf8)))) }

    func codeHash(_ code: String, challenge: String) -> ByteBuffer {
        ByteBuffer(bytes: Array(HMAC<SHA256>.authenticationCode(for: Data("\(challenge):\(code)".utf8), using: codeKey)))
    }

    static func randomCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%06d", Int.random(in: 0..<1_000_000, using: &generator))
    }

    /// After Telegram verified `user`. `proof` identifies the signed data (its hash), so the
    /// same signed data cannot sign in twice; `device` is the browser's device cookie.
    public func begin(telegram user: TelegramUser, proof: String, proofExpires: Date, device: String, language: String, now: Date = Date())
        async throws
        -> SignInStep
    {
        try await database.withTransaction(logger: logger) { connection in
            let fresh = try await connection.query(
                "INSERT INTO identity_auth_replays (digest, expires_at) VALUES (\(Self.digest("telegram:\(proof)")), \(proofExpires)) ON CONFLICT DO NOTHING RETURNING 1",
                logger: logger
            ).collect()
            guard !fresh.isEmpty else { throw SignInError.replayed }
            try await connection.query(
                """
                UPDATE identity_players SET telegram_username = \(user.username), first_name = \(user.firstName), last_name = \(user.lastName),
                       photo_url = \(user.photoURL)
                 WHERE telegram_id = \(user.id)
                """, logger: logger
            ).collect()
            let known = try await connection.query(
                """
                SELECT p.id, p.email, p.language,
                       EXISTS (SELECT 1 FROM identity_devices d WHERE d.player_id = p.id AND d.device_hash = \(Self.digest(device))
                                  AND d.confirmed_at > \(now.addingTimeInterval(-Self.deviceTrust))),
                       p.blocked
                  FROM identity_players p WHERE p.telegram_id = \(user.id)
                """, logger: logger)
            var player: (Int64, String, String, Bool)?
            for try await (id, email, language, trusted, blocked) in known.decode((Int64, String, String, Bool, Bool).self) {
                // Thrown, so the transaction (and this proof's replay guard) rolls back: nothing is written for a refusal.
                if blocked { throw SignInError.playerBlocked }
                player = (id, email, language, trusted)
            }
            if let (id, _, _, trusted) = player, trusted { return .done(PlayerID(id)) }
            let challenge = RandomToken.hex(byteCount: 32)
            let profile = CanonicalJSON.object(
                [
                    "id": String(user.id), "first_name": user.firstName, "last_name": user.lastName ?? "", "username": user.username ?? "",
                    "photo_url": user.photoURL ?? "",
                ])
            try await connection.query(
                """
                INSERT INTO identity_challenges (token_hash, telegram_id, telegram_profile, player_id, stage, email, language, expires_at)
                VALUES (\(Self.digest(challenge)), \(user.id), \(profile)::jsonb, \(player?.0), \(player == nil ? "email" : "code"), \(player?.1),
                        \(player?.2 ?? language), \(now.addingTimeInterval(Self.challengeLifetime)))
                """, logger: logger
            ).collect()
            guard let (_, email, playerLanguage, _) = player else { return .email(challenge: challenge) }
            try await sendCode(challenge: challenge, email: email, language: playerLanguage, on: connection, now: now)
            return .code(challenge: challenge)
        }
    }

    /// A new player gives an e-mail address, confirms 18+ and accepts the terms.
    public func submitEmail(challenge: String, email rawEmail: String, adult: Bool, acceptTerms: Bool, language: String, now: Date = Date())
        async throws
        -> SignInStep
    {
        let email = rawEmail.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard email.utf8.count <= 254, email.wholeMatch(of: /[^@\s]+@[^@\s]+\.[^@\s]+/) != nil else { throw SignInError.emailInvalid }
        guard adult else { throw SignInError.mustBeAdult }
        guard acceptTerms else { throw SignInError.mustAcceptTerms }
        return try await database.withTransaction(logger: logger) { connection in
            let updated = try await connection.query(
                """
                UPDATE identity_challenges SET email = \(email), language = \(language), stage = 'code'
                 WHERE token_hash = \(Self.digest(challenge)) AND stage IN ('email', 'code') AND player_id IS NULL AND expires_at > \(now)
                RETURNING 1
                """, logger: logger
            ).collect()
            guard !updated.isEmpty else { throw SignInError.challengeInvalid }
            let taken = try await connection.query("SELECT 1 FROM identity_players WHERE email = \(email)", logger: logger).collect()
            guard taken.isEmpty else { throw SignInError.emailTaken }
            try await sendCode(challenge: challenge, email: email, language: language, on: connection, now: now)
            return .code(challenge: challenge)
        }
    }

    /// Sends a new code for the challenge, at most once a minute and five times in all.
    public func resend(challenge: String, now: Date = Date()) async throws {
        try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT email, language, code_sent_at, sends FROM identity_challenges
                 WHERE token_hash = \(Self.digest(challenge)) AND stage = 'code' AND expires_at > \(now) FOR UPDATE
                """, logger: logger)
            var found: (String?, String, Date?, Int)?
            for try await row in rows.decode((String?, String, Date?, Int).self) { found = row }
            guard let (email, language, sentAt, sends) = found, let email else { throw SignInError.challengeInvalid }
            if let sentAt, now.timeIntervalSince(sentAt) < Self.resendDelay { throw SignInError.resendTooSoon }
            guard sends < Self.maxSends else { throw SignInError.resendTooSoon }
            try await sendCode(challenge: challenge, email: email, language: language, on: connection, now: now)
        }
    }

    private func sendCode(challenge: String, email: String, language: String, on connection: PostgresConnection, now: Date) async throws {
        let code = Self.randomCode()
        let codeExpires = now.addingTimeInterval(Self.codeLifetime)
        let rows = try await connection.query(
            """
            UPDATE identity_challenges SET code_hash = \(codeHash(code, challenge: challenge)), code_expires_at = \(codeExpires),
                   code_sent_at = \(now), sends = sends + 1, attempts = 0
             WHERE token_hash = \(Self.digest(challenge))
            RETURNING expires_at
            """, logger: logger)
        var challengeExpires = codeExpires
        for try await expires in rows.decode(Date.self) { challengeExpires = expires }
        let link = "\(publicURL)/auth/confirm?challenge=\(challenge)&code=\(code)"
        // The link also carries the challenge, which works (to resend, or for a new player to
        // change the address) until the challenge expires: the body is a secret until both are dead.
        try await MailQueue.enqueue(
            composer.codeMail(to: email, code: code, link: link, language: language), secretExpiresAt: max(codeExpires, challengeExpires),
            on: connection, logger: logger)
    }

    /// Checks the code; on success the player exists (created for a new one), the device is
    /// confirmed for 30 days and the challenge is spent.
    public func submitCode(challenge: String, code: String, device: String, now: Date = Date()) async throws -> PlayerID {
        // Attempts must be counted even when the code is wrong, so the outcome is returned
        // from the transaction and thrown after it.
        let result: Result<PlayerID, SignInError> = try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                SELECT telegram_id, telegram_profile::text, player_id, email, language, code_hash, code_expires_at, attempts
                  FROM identity_challenges
                 WHERE token_hash = \(Self.digest(challenge)) AND stage = 'code' AND expires_at > \(now) FOR UPDATE
                """, logger: logger)
            var found: (Int64, String, Int64?, String?, String, ByteBuffer?, Date?, Int)?
            for try await row in rows.decode((Int64, String, Int64?, String?, String, ByteBuffer?, Date?, Int).self) { found = row }
            guard let (telegramID, profileText, existing, email, language, storedHash, codeExpires, attempts) = found, let email else {
                return .failure(.challengeInvalid)
            }
            if attempts >= Self.maxAttempts { return .failure(.codeLocked) }
            let given = codeHash(code, challenge: challenge)
            guard let storedHash, let codeExpires, codeExpires > now, Array(buffer: storedHash) == Array(buffer: given) else {
                try await connection.query(
                    "UPDATE identity_challenges SET attempts = attempts + 1 WHERE token_hash = \(Self.digest(challenge))", logger: logger
                ).collect()
                return .failure(attempts + 1 >= Self.maxAttempts ? .codeLocked : .codeInvalid)
            }
            let player: Int64
            if let existing {
                // A challenge started before a block must not finish after it.
                let blocked =
                    try await connection.query(
                        "SELECT blocked FROM identity_players WHERE id = \(existing)", logger: logger
                    ).collect().first?.decode(Bool.self) ?? false
                if blocked { return .failure(.playerBlocked) }
                player = existing
            } else {
                let profile = (try? JSONDecoder().decode([String: String].self, from: Data(profileText.utf8))) ?? [:]
                func field(_ name: String) -> String? { profile[name].flatMap { $0.isEmpty ? nil : $0 } }
                do {
                    let inserted = try await connection.query(
                        """
                        INSERT INTO identity_players (telegram_id, telegram_username, first_name, last_name, photo_url, email, email_confirmed_at,
                                                      adult_confirmed_at, terms_accepted_at, language)
                        VALUES (\(telegramID), \(field("username")), \(field("first_name") ?? ""), \(field("last_name")), \(field("photo_url")), \(email),
                                \(now), \(now), \(now), \(language))
                        ON CONFLICT (telegram_id) DO UPDATE SET telegram_id = EXCLUDED.telegram_id
                        RETURNING id, xmax = 0
                        """, logger: logger)
                    // `xmax = 0`: this statement inserted the row, rather than meeting one a
                    // concurrent sign-up of the same Telegram account inserted first.
                    var created: (id: Int64, new: Bool)?
                    for try await row in inserted.decode((Int64, Bool).self) { created = row }
                    guard let created else { return .failure(.challengeInvalid) }
                    if created.new { try await PlayerEvents.registered(created.id, language: language, on: connection, logger: logger) }
                    player = created.id
                } catch let error as PSQLError where error.sqlState == "23505" {
                    return .failure(.emailTaken)
                }
            }
            try await connection.query(
                """
                INSERT INTO identity_devices (player_id, device_hash, confirmed_at) VALUES (\(player), \(Self.digest(device)), \(now))
                ON CONFLICT (player_id, device_hash) DO UPDATE SET confirmed_at = EXCLUDED.confirmed_at
                """, logger: logger
            ).collect()
            try await connection.query(
                "UPDATE identity_challenges SET stage = 'done', code_hash = NULL WHERE token_hash = \(Self.digest(challenge))",
                logger: logger
            ).collect()
            return .success(PlayerID(player))
        }
        return try result.get()
    }

    public struct Profile: Sendable, Equatable {
        public let id: PlayerID
        public let telegramID: Int64
        public let username: String?
        public let firstName: String
        public let email: String
        public let language: String
    }

    public func profile(_ player: PlayerID) async throws -> Profile? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT telegram_id, telegram_username, first_name, email, language FROM identity_players WHERE id = \(player.rawValue)",
                logger: logger)
            for try await (telegramID, username, firstName, email, language) in rows.decode((Int64, String?, String, String, String).self) {
                return Profile(
                    id: player, telegramID: telegramID, username: username, firstName: firstName, email: email, language: language)
            }
            return nil
        }
    }

    /// The demo player `croupier demo` creates (development only), creating it on first use:
    /// a confirmed account with no Telegram behind it.
    public static let demoEmail = "player@croupier.local"

    public func demoPlayer() async throws -> PlayerID {
        try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                WITH created AS (
                    INSERT INTO identity_players (telegram_id, telegram_username, first_name, email, email_confirmed_at, adult_confirmed_at,
                                                  terms_accepted_at, language)
                    VALUES (-1, 'demo_player', 'Demo', \(Self.demoEmail), now(), now(), now(), 'en')
                    ON CONFLICT (email) DO NOTHING RETURNING id)
                SELECT id, true FROM created UNION ALL SELECT id, false FROM identity_players WHERE email = \(Self.demoEmail)
                """, logger: logger)
            for try await (id, new) in rows.decode((Int64, Bool).self) {
                if new { try await PlayerEvents.registered(id, language: "en", on: connection, logger: logger) }
                return PlayerID(id)
            }
            throw SignInError.challengeInvalid
        }
    }
}
