import Core
import Foundation
import Identity
import Ledger
import Persistence

/// Games' part of a bet or a win, run by the ledger inside the operation's transaction (migration
/// 0014): the session checks before a bet, the round after any call that moved money. One round
/// trip and one commit per call, which the Hub88 benchmark measures.
extension Hub88Wallet {
    /// Refuses with invalidGame, invalidToken, tokenExpired or wrongCurrency.
    static let sessionCheck = TransactionHook(function: "games_check_bet_v1")
    static let recordRound = TransactionHook(function: "games_record_round_v1")

    /// A bet's checks: the session first (one lookup), then the player (Identity's). One hook per
    /// context: the ledger runs a bet's checks in one dynamic statement (migration 0060), and each
    /// hook is a function call inside it on the hot path.
    static let betChecks = [sessionCheck] + playerChecks
    /// The bet checks after the session's (a free bet's function runs the session's itself).
    static let playerChecks = [PlayerStatuses.betCheck]

    /// What the hooks read (their SQL names each key).
    /// `reversedOn`: for a rollback, when what it reverses was applied; its UTC day goes in as
    /// `day`, so that a counter per day takes the amount back from that day, not from today.
    static func hookArguments(
        provider: String, token: String?, game: String, playable: Bool, currency: String, round: String, closed: Bool, bet: Int64,
        win: Int64, reversedOn: Date? = nil
    ) -> [String: String] {
        var arguments = [
            "provider": provider, "token_hash": token.map { Hex.encode(GameSessions.hashBytes($0)) } ?? "", "game": game,
            "playable": String(playable), "currency": currency, "round": round, "closed": String(closed), "bet": String(bet),
            "win": String(win),
        ]
        if let reversedOn { arguments["day"] = String(reversedOn.formatted(.iso8601).prefix(10)) }
        return arguments
    }
}
