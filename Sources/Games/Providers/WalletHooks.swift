import Persistence

/// Other contexts' parts of a wallet call, composed by App: checks before a bet (player protection), follow-ups after a bet, win or rollback (counters, bonus wagering).
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
