import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A round as the provider reported it: opened by its first bet, closed by `round_closed`.
public struct GameRound: Sendable, Equatable {
    public let provider: String
    public let round: String
    public let player: PlayerID
    public let gameCode: String
    public let currency: String
    public let betUnits: Int64
    public let winUnits: Int64
    public let transactions: Int
    public let openedAt: Date
    public let closedAt: Date?
}

/// Round bookkeeping beside the ledger: which rounds are open, what was staked and won. The
/// money itself is only in the ledger; this is what staff look at when a provider's round hangs.
public struct GameRounds: Sendable {
    public let database: Database
    public let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Adds one accepted transaction to its round (a rollback passes negative amounts).
    public func record(
        provider: String, round: String, player: PlayerID, gameCode: String, currency: String, betUnits: Int64, winUnits: Int64,
        closed: Bool
    ) async throws {
        try await database.withConnection { connection in
            _ = try await connection.query(
                """
                SELECT games_round_add(\(provider), \(round), \(player.rawValue), \(gameCode), \(currency), \(betUnits), \(winUnits), \(closed))
                """, logger: logger
            ).collect()
        }
    }

    /// Open rounds, oldest first: a round open for long is a provider that owes a result.
    public func open(limit: Int = 200) async throws -> [GameRound] {
        try await rounds(
            """
            SELECT provider, round, player_id, game_code, currency, bet_units, win_units, transactions, opened_at, closed_at
              FROM games_rounds WHERE closed_at IS NULL ORDER BY opened_at LIMIT \(limit)
            """)
    }

    /// The player's latest rounds, newest first (the back office's player page).
    public func rounds(of player: PlayerID, limit: Int = 20) async throws -> [GameRound] {
        try await rounds(
            """
            SELECT provider, round, player_id, game_code, currency, bet_units, win_units, transactions, opened_at, closed_at
              FROM games_rounds WHERE player_id = \(player.rawValue) ORDER BY opened_at DESC LIMIT \(max(1, min(limit, 200)))
            """)
    }

    private func rounds(_ query: PostgresQuery) async throws -> [GameRound] {
        try await database.withConnection { connection in
            let rows = try await connection.query(query, logger: logger)
            var rounds: [GameRound] = []
            for try await (provider, round, player, game, currency, bet, win, count, opened, closed) in rows.decode(
                (String, String, Int64, String, String, Int64, Int64, Int, Date, Date?).self)
            {
                rounds.append(
                    GameRound(
                        provider: provider, round: round, player: PlayerID(player), gameCode: game, currency: currency, betUnits: bet,
                        winUnits: win,
                        transactions: count, openedAt: opened, closedAt: closed))
            }
            return rounds
        }
    }
}
