import Core
import Crypto
import Foundation
import Ledger
import Logging
import Persistence
import PostgresNIO

/// From ledger operations to Hub88 answers: applying, mapping result codes to statuses, and the
/// balance a provider may be shown.
extension Hub88Wallet {
    /// Applies the operation and answers with the balance, in one round trip: the round is
    /// recorded by a follow-up in the ledger's transaction when money moved. A win runs the other
    /// contexts' win follow-ups; a rollback (a negative `bet` or `win`) runs the follow-ups of what
    /// it reverses, with the reversed game (`game`), so that their counters take it back
    /// (WalletHooks).
    func settle(
        _ operation: LedgerOperation, _ requestUUID: String, round: String, closed: Bool, bet: Int64, win: Int64, game: String? = nil,
        reversedOn: Date? = nil
    ) async throws -> Hub88Answer {
        let provider = operation.metadata["provider"] ?? ""
        let followUps = [Self.recordRound] + (bet < 0 ? hooks.betFollowUps : []) + (win != 0 ? hooks.winFollowUps : [])
        let outcome = try await ledger.apply(
            operation, checks: [], followUps: followUps,
            hookArguments: Self.hookArguments(
                provider: provider, token: nil, game: game ?? operation.metadata["game"] ?? "", playable: true,
                currency: operation.currency, round: round, closed: closed, bet: bet, win: win, reversedOn: reversedOn))
        return try await answer(outcome, requestUUID, player: operation.player, currency: operation.currency, provider: provider)
    }

    /// The answer to a call the ledger ran with Games' and Identity's hooks: a hook's refusal (a
    /// session or player status) or the ledger's result. `checked`: the call ran the bet checks,
    /// whose session check, once passed, proves the player has played with this provider.
    /// `played`: what the caller learnt of that (the other answer's), when it did.
    func answer(
        _ outcome: Ledger.HookedOutcome, _ requestUUID: String, player: PlayerID, currency: String, provider: String,
        checked: Bool = false, played: Bool? = nil
    ) async throws -> Hub88Answer {
        switch outcome {
        case .refused(let refusal, let balances):
            return try await answer(
                Self.status(hookRefusal: refusal), requestUUID, player: player, currency: currency, balances: balances, provider: provider,
                played: checked && Self.sessionCheckPassed(before: refusal) ? true : played)
        case .ledger(let result):
            // A key applied before skips the checks: only a replay or a mismatch can say so.
            return try await answer(
                Self.status(result.code), requestUUID, player: player, currency: currency, balances: result.balances, provider: provider,
                played: checked && result.code != .duplicateMismatch ? true : played)
        }
    }

    /// Whether a bet refused with `refusal` passed the session check first. That check
    /// (games_check_bet_v1, migration 0014) refuses only with invalidGame and invalidToken before
    /// it has found this provider's session of this player; every later refusal (tokenExpired,
    /// wrongCurrency, the other contexts' checks) comes after it did.
    static func sessionCheckPassed(before refusal: String) -> Bool {
        !["invalidToken", "invalidGame"].contains(refusal)
    }

    /// The refusals of the bet checks (Hub88Wallet+Hooks.swift, migrations 0013, 0014 and 0029).
    static func status(hookRefusal code: String) -> Hub88Status {
        switch code {
        case "invalidToken": .invalidToken
        case "tokenExpired": .tokenExpired
        case "userDisabled": .userDisabled
        case "invalidGame": .invalidGame
        case "wrongCurrency": .wrongCurrency
        // Compliance's player protection (PlayerProtection.betCheck, migration 0029): over a loss
        // or wager limit; a time-out or self-exclusion stops play as a disabled account does.
        case "limitReached": .limitReached
        case "timedOut", "selfExcluded": .userDisabled
        // A stake above the running bonus's maximum bet (Bonuses' check): Hub88 has no status
        // for a refused stake size, and this one tells the game the bet cannot be covered.
        case "bonusMaxBet": .notEnoughMoney
        default: .unknown
        }
    }

    static func status(_ code: ResultCode) -> Hub88Status {
        switch code {
        case .ok: .ok
        case .insufficientFunds: .notEnoughMoney
        case .duplicateMismatch: .duplicateTransaction
        case .referenceNotFound: .transactionDoesNotExist
        case .alreadyRolledBack: .transactionRolledBack
        case .currencyMismatch, .unknownCurrency: .wrongCurrency
        case .invalidAmount, .amountOverflow: .wrongTypes
        case .invalidKey, .invalidMetadata: .wrongSyntax
        case .alreadySettled, .notReversible: .unknown
        }
    }

    func key(_ provider: String, _ uuid: String) -> IdempotencyKey { IdempotencyKey(scope: Self.scope, key: "\(provider):\(uuid)") }

    /// What makes two calls with one transaction_uuid "the same" (Hub88: amount, currency, round,
    /// user, game, reference); the ledger hashes it with the amount, player and reference.
    func metadata(_ provider: String, _ game: String, _ round: String) -> [String: String] {
        ["provider": provider, "game": String(game.prefix(100)), "round": String(round.prefix(200))]
    }

    /// The answer with the player's playable balance (real + bonus) in Hub88 units. A refusal may
    /// name a player the caller does not know (a made-up `user`, another provider's player): only
    /// a provider the player has played with learns their balance, whatever the ledger returned.
    /// `played`: whether the caller knows they have (true) or have not (false), so the refusal
    /// need not look; nil, it looks.
    func answer(
        _ status: Hub88Status, _ requestUUID: String, player: PlayerID, currency code: String, balances: Balances?, provider: String,
        played: Bool? = nil
    )
        async throws -> Hub88Answer
    {
        var balances = balances
        // No currency holds a NUL, which PostgreSQL's text cannot carry: nothing to ask for.
        if balances == nil, code.utf8.contains(0) { balances = .zero }
        var shown = status == .ok || played == true
        if !shown, played == nil {
            if balances == nil {
                // Neither known: both in one round trip (games_refusal_view).
                let view = try await refusalView(player, provider: provider, currency: code)
                (shown, balances) = (view.played, view.balances)
            } else {
                shown = try await hasPlayed(player, with: provider)
            }
        }
        if !shown {
            return Hub88Answer(status, requestUUID: requestUUID, user: String(player.rawValue), currency: code)
        }
        if balances == nil { balances = try await ledger.balances(of: player)[code] ?? .zero }
        let scale = try await registry.currency(code)?.scale ?? Hub88Amount.scale
        let playable = (balances?.real ?? 0).addingReportingOverflow(balances?.bonus ?? 0)
        return Hub88Answer(
            status, requestUUID: requestUUID, user: String(player.rawValue), currency: code,
            balance: Hub88Amount.wire(units: playable.overflow ? .max : playable.partialValue, scale: scale))
    }
}
