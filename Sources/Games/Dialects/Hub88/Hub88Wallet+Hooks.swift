import Core
import Identity
import Ledger
import Persistence

/// Games' part of a bet or a win, run by the ledger inside the operation's transaction (migration
/// 0014): the session checks before a bet, the round after any call that moved money. One round
/// trip and one commit per call, which the Hub88 benchmark measures.
extension Hub88Wallet {
    /// Refuses with invalidGame, invalidToken or tokenExpired.
    static let betTokenCheck = TransactionHook(function: "games_check_bet_token_v1")
    /// Refuses with invalidGame or wrongCurrency.
    static let betGameCheck = TransactionHook(function: "games_check_bet_game_v1")
    static let recordRound = TransactionHook(function: "games_record_round_v1")

    /// A bet's checks in Hub88's order: the game and the token, then the player (Identity's),
    /// then the session's game and currency.
    static let betChecks = [betTokenCheck, PlayerStatuses.betCheck, betGameCheck]

    /// What the hooks read (their SQL names each key).
    static func hookArguments(
        provider: String, token: String?, game: String, playable: Bool, currency: String, round: String, closed: Bool, bet: Int64,
        win: Int64
    ) -> [String: String] {
        [
            "provider": provider, "token_hash": token.map { Hex.encode(GameSessions.hashBytes($0)) } ?? "", "game": game,
            "playable": String(playable), "currency": currency, "round": round, "closed": String(closed), "bet": String(bet),
            "win": String(win),
        ]
    }
}
