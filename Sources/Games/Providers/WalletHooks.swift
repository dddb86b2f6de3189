import Persistence

/// Other contexts' parts of a wallet call, composed by App: checks before a bet (player protection), follow-ups after a bet, win or rollback (counters, bonus wagering).
///
/// The ledger runs them inside the call's transaction after Games' own (Hub88Wallet+Hooks.swift),
/// with the same JSON arguments. A rollback runs `winFollowUps` with the reversed amounts negative
/// in `bet` and `win`, so that a counter of stakes and wins stays the sum of what stands.
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
