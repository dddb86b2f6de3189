import Core
import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Who a session belongs to.
public enum SessionOwner: Sendable, Equatable {
    case staff(Int64)
    case player(PlayerID)

    /// `identity_sessions`' owner columns: one of them set.
    var columns: (staff: Int64?, player: Int64?) {
        switch self {
        case .staff(let id): (id, nil)
        case .player(let id): (nil, id.rawValue)
        }
    }
}

/// A session token's SHA-256, as `identity_sessions` stores it.
public struct SessionTokenHash: Sendable, Hashable {
    let bytes: [UInt8]
}

public struct SessionPolicy: Sendable {
    public enum Owners: Sendable {
        case staff, players
    }

    /// Whose sessions the policy governs: another kind's token does not resolve under it, so a
    /// staff token sent as a player cookie neither signs in nor keeps the staff session alive.
    public let owners: Owners
    /// The session ends this long after sign-in, whatever happens.
    public let absolute: Duration
    /// The session ends after this long without a request.
    public let idle: Duration

    public static let staff = SessionPolicy(owners: .staff, absolute: .seconds(12 * 3600), idle: .seconds(30 * 60))
    public static let player = SessionPolicy(owners: .players, absolute: .seconds(30 * 24 * 3600), idle: .seconds(7 * 24 * 3600))
}

/// Opaque random session tokens; only their SHA-256 is stored, so a database dump holds no
/// usable session. Sessions are revocable one by one or all at once.
public struct SessionStore: Sendable {
    public let database: Database
    public let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    static func hash(_ token: String) -> ByteBuffer {
        ByteBuffer(bytes: Array(SHA256.hash(data: Data(token.utf8))))
    }

    /// Starts a session and returns its token (to put in a cookie; never stored). `device` is a
    /// player's device cookie, so that ending the session can also withdraw that device's trust.
    public func start(
        _ owner: SessionOwner, policy: SessionPolicy, userAgent: String, ip: String, device: String? = nil, now: Date = Date()
    ) async throws -> String {
        let token = RandomToken.hex(byteCount: 32)
        let (staff, player) = owner.columns
        let expires = now.addingTimeInterval(Double(policy.absolute.components.seconds))
        try await database.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO identity_sessions (token_hash, staff_id, player_id, created_at, last_seen_at, expires_at, user_agent, ip, device_hash)
                VALUES (\(Self.hash(token)), \(staff), \(player), \(now), \(now), \(expires), \(String(userAgent.prefix(300))), \(ip),
                        \(device.map(Self.hash)))
                """, logger: logger
            ).collect()
        }
        return token
    }

    /// The owner of a live session, refreshing its idle clock; nil when unknown, revoked,
    /// expired, idle too long, not one of `policy`'s owners, or the account is disabled (staff) or
    /// blocked (a player: a session made by a sign-in that raced the block ends here too).
    public func resolve(_ token: String, policy: SessionPolicy, now: Date = Date()) async throws -> SessionOwner? {
        guard token.count == 64, Hex.decode(token) != nil else { return nil }
        let idleSince = now.addingTimeInterval(-Double(policy.idle.components.seconds))
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                UPDATE identity_sessions s SET last_seen_at = \(now)
                 WHERE token_hash = \(Self.hash(token)) AND (staff_id IS NOT NULL) = \(policy.owners == .staff)
                   AND revoked_at IS NULL AND expires_at > \(now) AND last_seen_at > \(idleSince)
                   AND (staff_id IS NULL OR EXISTS (SELECT 1 FROM identity_staff m WHERE m.id = s.staff_id AND m.disabled_at IS NULL))
                   AND (player_id IS NULL OR NOT EXISTS (SELECT 1 FROM identity_players p WHERE p.id = s.player_id AND p.blocked))
                RETURNING staff_id, player_id
                """, logger: logger)
            for try await (staff, player) in rows.decode((Int64?, Int64?).self) {
                if let staff { return .staff(staff) }
                if let player { return .player(PlayerID(player)) }
            }
            return nil
        }
    }

    /// The hash a session is stored under, for a caller that keeps many sessions in memory and
    /// should not hold their tokens; nil for a token that cannot be one.
    public static func tokenHash(_ token: String) -> SessionTokenHash? {
        guard token.count == 64, Hex.decode(token) != nil else { return nil }
        return SessionTokenHash(bytes: Array(SHA256.hash(data: Data(token.utf8))))
    }

    /// Which of `sessions` are live for their owner, as `resolve` would decide, without refreshing
    /// their idle clocks (a forgotten open tab must not keep a session alive), in one query
    /// whatever their number: a server holding thousands of open sockets checks them together.
    public func live(_ sessions: [SessionTokenHash: SessionOwner], policy: SessionPolicy, now: Date = Date()) async throws
        -> Set<SessionTokenHash>
    {
        guard !sessions.isEmpty else { return [] }
        let idleSince = now.addingTimeInterval(-Double(policy.idle.components.seconds))
        let hashes = sessions.keys.map { ByteBuffer(bytes: $0.bytes) }
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT token_hash, staff_id, player_id FROM identity_sessions s
                 WHERE token_hash = ANY(\(hashes))
                   AND revoked_at IS NULL AND expires_at > \(now) AND last_seen_at > \(idleSince)
                   AND (staff_id IS NULL OR EXISTS (SELECT 1 FROM identity_staff m WHERE m.id = s.staff_id AND m.disabled_at IS NULL))
                   AND (player_id IS NULL OR NOT EXISTS (SELECT 1 FROM identity_players p WHERE p.id = s.player_id AND p.blocked))
                """, logger: logger)
            var live: Set<SessionTokenHash> = []
            for try await (hash, staff, player) in rows.decode((ByteBuffer, Int64?, Int64?).self) {
                let key = SessionTokenHash(bytes: Array(buffer: hash))
                if let owner = sessions[key], owner.columns == (staff, player) { live.insert(key) }
            }
            return live
        }
    }

    /// Ends every session of an owner: "sign out everywhere".
    public func revokeAll(of owner: SessionOwner) async throws {
        let (staff, player) = owner.columns
        try await database.withConnection { connection in
            try await connection.query(
                """
                UPDATE identity_sessions SET revoked_at = now()
                 WHERE revoked_at IS NULL AND (staff_id = \(staff) OR player_id = \(player))
                """, logger: logger
            ).collect()
        }
    }

    public func revoke(_ token: String) async throws {
        try await database.withConnection { connection in
            try await connection.query(
                "UPDATE identity_sessions SET revoked_at = now() WHERE token_hash = \(Self.hash(token)) AND revoked_at IS NULL",
                logger: logger
            ).collect()
        }
    }

    /// A live session as its owner sees it on the profile page.
    public struct Device: Sendable, Equatable {
        public let id: Int64
        public let userAgent: String
        public let ip: String
        public let createdAt: Date
        public let lastSeenAt: Date
        /// The session making the request.
        public let current: Bool
    }

    /// A player's live sessions, most recently used first.
    public func devices(of player: PlayerID, current token: String?, policy: SessionPolicy = .player, now: Date = Date()) async throws
        -> [Device]
    {
        let idleSince = now.addingTimeInterval(-Double(policy.idle.components.seconds))
        let currentHash = Self.hash(token ?? "")
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, user_agent, ip, created_at, last_seen_at, token_hash = \(currentHash) FROM identity_sessions
                 WHERE player_id = \(player.rawValue) AND revoked_at IS NULL AND expires_at > \(now) AND last_seen_at > \(idleSince)
                 ORDER BY last_seen_at DESC, id DESC LIMIT 50
                """, logger: logger)
            var devices: [Device] = []
            for try await (id, agent, ip, created, seen, current) in rows.decode((Int64, String, String, Date, Date, Bool).self) {
                devices.append(Device(id: id, userAgent: agent, ip: ip, createdAt: created, lastSeenAt: seen, current: current))
            }
            return devices
        }
    }

    /// Ends one of a player's sessions and withdraws its device's 30-day trust, so that signing
    /// in again there needs a fresh e-mail code. Returns false when it is not theirs or not live.
    @discardableResult
    public func revoke(device id: Int64, of player: PlayerID) async throws -> Bool {
        try await database.withTransaction(logger: logger) { connection in
            let rows = try await connection.query(
                """
                UPDATE identity_sessions SET revoked_at = now() WHERE id = \(id) AND player_id = \(player.rawValue) AND revoked_at IS NULL
                RETURNING device_hash
                """, logger: logger)
            var found = false
            var deviceHash: ByteBuffer?
            for try await hash in rows.decode(ByteBuffer?.self) { (found, deviceHash) = (true, hash) }
            if let deviceHash {
                _ = try await connection.query(
                    "DELETE FROM identity_devices WHERE player_id = \(player.rawValue) AND device_hash = \(deviceHash)", logger: logger
                ).collect()
            }
            return found
        }
    }
}
