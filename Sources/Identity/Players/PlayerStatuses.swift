import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// What other contexts may know of a player: since when they are registered and whether they may
/// start play. Games asks it for a provider's calls; Identity keeps the rows.
public struct PlayerStatus: Sendable, Equatable {
    public let registeredAt: Date
    /// Staff disabled the player: they may not bet, but wins and rollbacks still pay them.
    public let disabled: Bool

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
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT created_at, disabled_at IS NOT NULL FROM identity_players WHERE id = \(player.rawValue)", logger: logger)
            for try await (registeredAt, disabled) in rows.decode((Date, Bool).self) {
                return PlayerStatus(registeredAt: registeredAt, disabled: disabled)
            }
            return nil
        }
    }
}
