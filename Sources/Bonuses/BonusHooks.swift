import Persistence

/// Bonuses' parts of a wallet bet, run by the ledger inside the bet's transaction (migration
/// `bonuses`, docs/bonuses.md "Wagering"). App puts them into the wallet's hooks. Both read the
/// call's `currency`, `bet` (units) and `game`.
public enum BonusHooks {
    /// Refuses a stake above the running bonus's maximum bet with `BonusHooks.maxBetRefusal`
    /// (Games also runs it for a free bet, with a stake of 0, which it never refuses).
    public static let maxBetCheck = TransactionHook(function: "bonuses_check_bet_v1")
    /// Advances the running bonus's wagering by the bet's contribution.
    public static let recordWager = TransactionHook(function: "bonuses_record_wager_v1")
    /// The code `maxBetCheck` refuses with.
    public static let maxBetRefusal = "bonusMaxBet"
}
