import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// What other contexts may know of a player: since when they are registered and whether they may
/// start play. Games asks it for a provider's calls; Identity keeps the rows.
public struct PlayerStatus: Sendable, Equatable {
    public let registeredAt: Date
    /// The player is disabled (a staff block or a closure): they may not bet, but wins and
    /// rollbacks still pay them.
    public let disabled: Bool
    /// The player is disabled by a staff block (`PlayerBlocks`), not closed by another context:
    /// besides betting and depositing, they may not sign in or withdraw.
    public let blocked: Bool

    init(registeredAt: Date, disabled: Bool, blocked: Bool = false) {
        self.registeredAt = registeredAt
        self.disabled = disabled
        self.blocked = blocked
    }

    public var mayBet: Bool { !disabled }
}

public struct PlayerStatuses: Sendable {
    public let database: Database
    public let logger: Logger

    /// Identity's check for a ledger operation a disabled player may not start (a bet), for
    /// `Ledger.apply(_:checks:followUps:hookArguments:)`: refuses with `userDisabled`
    /// (migration 0013, `identity_refuse_disabled_player_v1`).
    public static let betCheck = TransactionHook(function: "identity_refuse_disabled_player_v1")

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// The player's status; nil for an id no player has.
    public func status(of player: PlayerID) async throws -> PlayerStatus? {
        try await database.withConnection { connection in try await status(of: player, on: connection) }
    }

    /// `status(of:)` on the caller's connection, so inside its transaction (Payments reads it
    /// under Compliance's player lock, which a closure also takes).
    public func status(of player: PlayerID, on connection: PostgresConnection) async throws -> PlayerStatus? {
        let rows = try await connection.query(
            "SELECT created_at, disabled_at IS NOT NULL, blocked FROM identity_players WHERE id = \(player.rawValue)", logger: logger)
        for try await (registeredAt, disabled, blocked) in rows.decode((Date, Bool, Bool).self) {
            return PlayerStatus(registeredAt: registeredAt, disabled: disabled, blocked: blocked)
        }
        return nil
    }

    /// Closes a player for a reason another context found (Compliance: a date of birth under 18):
    /// they may no longer bet or deposit, while wins, rollbacks and withdrawals of their money
    /// still go through. Audited as `identity.player_closed` with the reason, in the caller's
    /// transaction (there is no reason column: the audit log is where the reason lives). A staff
    /// block stays as it was (`closed_at` marks the closure, migration 0040): lifting the block
    /// later never reopens the player. Returns false when the player was closed already
    /// (nothing changes, nothing is audited).
    @discardableResult
    public func close(_ player: PlayerID, reason: String, actor: String, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            UPDATE identity_players SET disabled_at = COALESCE(disabled_at, now()), closed_at = now()
             WHERE id = \(player.rawValue) AND closed_at IS NULL RETURNING id
            """,
            logger: logger
        ).collect()
        guard !rows.isEmpty else { return false }
        try await AuditLog(database: database, logger: logger).append(
            AuditEntry(actor: actor, action: "identity.player_closed", target: "player:\(player.rawValue)", summary: ["reason": reason]),
            on: connection)
        return true
    }
}
