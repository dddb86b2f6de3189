import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Who acts on a player from the back office, as the audit log records them.
public struct StaffActing: Sendable {
    /// `staff:<id>`.
    public let actor: String
    public let ip: String
    public let requestID: String

    public init(actor: String, ip: String = "", requestID: String = "") {
        self.actor = actor
        self.ip = ip
        self.requestID = requestID
    }

    func entry(_ action: String, _ player: PlayerID, _ summary: [String: String]) -> AuditEntry {
        AuditEntry(actor: actor, action: action, target: "player:\(player.rawValue)", summary: summary, ip: ip, requestID: requestID)
    }
}

/// Why a back-office action on a player did nothing. Each is a named result the pages say in
/// the staff member's language.
public enum PlayerActionRefusal: Error, Sendable, Equatable {
    /// No player has this id.
    case notFound
    /// Every action needs a reason (a note needs its text).
    case reasonMissing
    /// Block: the player is disabled already (blocked, or closed by another context).
    case alreadyDisabled
    /// Unblock: the player is not blocked.
    case notBlocked
    /// Unblock: the player was closed by another context (under 18, an AML case), not blocked by
    /// staff; lifting a closure is not a players-page action.
    case closedNotBlocked
    /// A segment outside `PlayerSegment.known`.
    case segmentUnknown

    public var code: String {
        switch self {
        case .notFound: "playerNotFound"
        case .reasonMissing: "reasonRequired"
        case .alreadyDisabled: "alreadyDisabled"
        case .notBlocked: "notBlocked"
        case .closedNotBlocked: "closedNotBlocked"
        case .segmentUnknown: "segmentUnknown"
        }
    }
}

/// Staff blocks (docs/identity.md "Back office"): a blocked player may not sign in, bet, deposit
/// or withdraw, while wins and rollbacks still pay them. Each change is audited with its reason
/// in the same transaction, with the target `player:<id>`.
public struct PlayerBlocks: Sendable {
    public let database: Database
    public let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Blocks the player and ends all their sessions. Audited as `identity.player_blocked`.
    public func block(_ player: PlayerID, reason rawReason: String, by acting: StaffActing) async throws {
        let reason = try Self.required(rawReason)
        try await database.withTransaction(logger: logger) { connection in
            let disabled = try await disabledState(of: player, on: connection)
            guard !disabled.blocked else { throw PlayerActionRefusal.alreadyDisabled }
            _ = try await connection.query(
                "UPDATE identity_players SET disabled_at = COALESCE(disabled_at, now()), blocked = true WHERE id = \(player.rawValue)",
                logger: logger
            ).collect()
            let ended = try await Self.endSessions(of: player, on: connection, logger: logger)
            try await AuditLog(database: database, logger: logger).append(
                acting.entry("identity.player_blocked", player, ["reason": reason, "sessionsEnded": String(ended)]), on: connection)
        }
    }

    /// Lifts a staff block. A closure by another context is refused (`closedNotBlocked`), so an
    /// unblock never reopens a player closed as under 18. Audited as `identity.player_unblocked`.
    public func unblock(_ player: PlayerID, reason rawReason: String, by acting: StaffActing) async throws {
        let reason = try Self.required(rawReason)
        try await database.withTransaction(logger: logger) { connection in
            let state = try await disabledState(of: player, on: connection)
            guard state.blocked else { throw state.closed ? PlayerActionRefusal.closedNotBlocked : PlayerActionRefusal.notBlocked }
            // A closure stays: only the block is lifted.
            _ = try await connection.query(
                """
                UPDATE identity_players SET blocked = false, disabled_at = CASE WHEN closed_at IS NULL THEN NULL ELSE disabled_at END
                 WHERE id = \(player.rawValue)
                """, logger: logger
            ).collect()
            try await AuditLog(database: database, logger: logger).append(
                acting.entry("identity.player_unblocked", player, ["reason": reason]), on: connection)
        }
    }

    /// Ends every live session of the player ("sign out everywhere", by staff). Audited as
    /// `identity.player_sessions_ended` with how many were live.
    @discardableResult
    public func endSessions(of player: PlayerID, reason rawReason: String, by acting: StaffActing) async throws -> Int {
        let reason = try Self.required(rawReason)
        return try await database.withTransaction(logger: logger) { connection in
            _ = try await disabledState(of: player, on: connection)
            let ended = try await Self.endSessions(of: player, on: connection, logger: logger)
            try await AuditLog(database: database, logger: logger).append(
                acting.entry("identity.player_sessions_ended", player, ["reason": reason, "sessionsEnded": String(ended)]),
                on: connection)
            return ended
        }
    }

    /// A staff block and a closure (under 18) are independent: a player may have both.
    struct DisabledState {
        let blocked: Bool
        let closed: Bool
    }

    /// The player's row locked for the change; `notFound` for an id no player has.
    func disabledState(of player: PlayerID, on connection: PostgresConnection) async throws -> DisabledState {
        let rows = try await connection.query(
            "SELECT blocked, closed_at IS NOT NULL FROM identity_players WHERE id = \(player.rawValue) FOR UPDATE", logger: logger)
        for try await (blocked, closed) in rows.decode((Bool, Bool).self) {
            return DisabledState(blocked: blocked, closed: closed)
        }
        throw PlayerActionRefusal.notFound
    }

    static func endSessions(of player: PlayerID, on connection: PostgresConnection, logger: Logger) async throws -> Int {
        try await connection.query(
            "UPDATE identity_sessions SET revoked_at = now() WHERE player_id = \(player.rawValue) AND revoked_at IS NULL RETURNING 1",
            logger: logger
        ).collect().count
    }

    static func required(_ reason: String) throws -> String {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw PlayerActionRefusal.reasonMissing }
        return String(trimmed.prefix(1000))
    }
}
