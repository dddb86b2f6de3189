import Persistence

/// Other contexts' parts of a wallet call, composed by App: checks before a bet (player protection), follow-ups after a bet, win or rollback (counters, bonus wagering).
///
/// The ledger runs them inside the call's transaction after Games' own (Hub88Wallet+Hooks.swift),
/// with the same JSON arguments: `betFollowUps` after a bet, `winFollowUps` after a win. A
/// rollback runs the follow-ups of what it reverses with the reversed amount negative in `bet`
/// or `win` (and the reversed call's game), so that a counter of stakes, wins or wagering stays
/// the sum of what stands.
public struct WalletHooks: Sendable {
    public var betChecks: [TransactionHook]
    public var betFollowUps: [TransactionHook]
    public var winFollowUps: [TransactionHook]

    public init(betChecks: [TransactionHook] = [], betFollowUps: [TransactionHook] = [], winFollowUps: [TransactionHook] = []) {
        self.betChecks = betChecks
        self.betFollowUps = betFollowUps
        self.winFollowUps = winFollowUps
    }

    public static let none = WalletHooks()
}
