import Compliance
import Core
import Foundation
import Logging
import PostgresNIO

/// Payments' deposits and withdrawals as Compliance sums them (`MoneyMovementHistory`).
public struct PaymentsMovementHistory: MoneyMovementHistory {
    let logger: Logger

    public init(logger: Logger) { self.logger = logger }

    public func movements(of player: PlayerID, since: Date, on connection: PostgresConnection) async throws -> [MoneyMovement] {
        let rows = try await connection.query(
            """
            SELECT 'deposit', public_id, gateway, currency, units, state = 'completed', created_at, completed_at, NULL::text
              FROM payments_deposits
             WHERE player_id = \(player.rawValue) AND created_at >= \(since) AND state IN ('created', 'pending', 'completed')
            UNION ALL
            SELECT 'withdrawal', public_id, gateway, currency, units, state = 'paid', coalesce(confirmed_at, created_at),
                   CASE WHEN state = 'paid' THEN settled_at END, destination
              FROM payments_withdrawals
             WHERE player_id = \(player.rawValue) AND coalesce(confirmed_at, created_at) >= \(since)
               AND state IN ('review', 'pending_approval', 'approved', 'processing', 'unknown', 'paid')
             ORDER BY 7, 2
            """, logger: logger)
        var movements: [MoneyMovement] = []
        for try await row in rows.decode((String, String, String, String, Int64, Bool, Date, Date?, String?).self) {
            movements.append(
                MoneyMovement(
                    direction: row.0 == "deposit" ? .deposit : .withdrawal, reference: row.1, player: player, gateway: row.2,
                    currency: row.3, units: row.4, stage: row.5 ? .completed : .open, requestedAt: row.6, completedAt: row.7,
                    destination: row.8))
        }
        return movements
    }

    public func otherPlayers(
        withDestination destination: String, gateway: String, besides player: PlayerID, on connection: PostgresConnection
    )
        async throws -> [PlayerID]
    {
        let rows = try await connection.query(
            """
            SELECT DISTINCT player_id FROM payments_withdrawals
             WHERE gateway = \(gateway) AND destination = \(destination) AND player_id <> \(player.rawValue) ORDER BY player_id
            """, logger: logger)
        var players: [PlayerID] = []
        for try await id in rows.decode(Int64.self) { players.append(PlayerID(id)) }
        return players
    }

    public func activePlayers(since: Date, on connection: PostgresConnection) async throws -> [PlayerID] {
        let rows = try await connection.query(
            """
            SELECT player_id FROM payments_deposits WHERE created_at >= \(since)
            UNION
            SELECT player_id FROM payments_withdrawals WHERE created_at >= \(since)
             ORDER BY 1
            """, logger: logger)
        var players: [PlayerID] = []
        for try await id in rows.decode(Int64.self) { players.append(PlayerID(id)) }
        return players
    }
}
