import Core
import Persistence

/// Other contexts' parts of a wallet call, composed by App: checks before a bet (player protection), follow-ups after a bet, win or rollback (counters, bonus wagering).
///
/// The ledger runs them inside the call's transaction after Games' own (Hub88Wallet+Hooks.swift),
/// with the same JSON arguments: `betFollowUps` after a bet, `winFollowUps` after a win. A
/// rollback runs the follow-ups of what it reverses with the reversed amount negative in `bet`
/// or `win` (and the reversed call's game), so that a counter of stakes, wins or wagering stays
/// the sum of what stands. A free bet, which never reaches the ledger, runs `betChecks` in Games'
/// own function with a `bet` of 0 (migration 0069).
public struct WalletHooks: Sendable {
    public var betChecks: [TransactionHook]
    public var betFollowUps: [TransactionHook]
    public var winFollowUps: [TransactionHook]
    /// Who pays the win of a free bet naming a reward, if anyone claims it (a bonus grant's free
    /// spins); unclaimed, the win is paid as real money as the provider's promotions are.
    public var rewardWin: RewardWinHook?

    public init(
        betChecks: [TransactionHook] = [], betFollowUps: [TransactionHook] = [], winFollowUps: [TransactionHook] = [],
        rewardWin: RewardWinHook? = nil
    ) {
        self.betChecks = betChecks
        self.betFollowUps = betFollowUps
        self.winFollowUps = winFollowUps
        self.rewardWin = rewardWin
    }

    public static let none = WalletHooks()
}

/// The win of a free bet that named `reward`, offered to the context that may own the reward.
public struct RewardWin: Sendable, Equatable {
    public let provider: String
    public let transactionUUID: String
    public let reward: String
    public let player: PlayerID
    public let currency: String
    public let units: Int64
}

public enum RewardWinOutcome: Sendable, Equatable {
    /// Not the hook's reward: the wallet pays the win as before.
    case notClaimed
    /// Paid now by the hook's context.
    case paid
    /// Paid before with the same amount: nothing moved.
    case replayed
    /// Paid before with another amount: a duplicate.
    case mismatch
}

public typealias RewardWinHook = @Sendable (RewardWin) async throws -> RewardWinOutcome
