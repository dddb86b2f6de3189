import Core
import Foundation

/// A game provider's rewards API as Bonuses uses it (docs/bonuses.md "Free spins"): the provider
/// keeps the rounds it was awarded and plays them as free bets naming the reward. App adapts a
/// provider to it; Bonuses never reads a provider's tables.
public protocol FreeRoundsProvider: Sendable {
    /// The provider's code, as the wallet names it in the calls its free bets make.
    var code: String { get }
    /// Awards the rounds; awarding a reward id again changes nothing.
    func award(_ award: FreeRoundsAward) async throws
    /// Takes back the rounds of `reward` not yet played.
    func cancel(reward: String) async throws
    /// The rounds of `reward` not yet over: not played yet (and still valid), or played and
    /// waiting for their win to be settled.
    func openRounds(reward: String) async throws -> Int
}

/// What a free-spin grant awards at the provider.
public struct FreeRoundsAward: Sendable, Equatable {
    public let reward: String
    public let player: PlayerID
    public let game: String
    public let currency: String
    public let rounds: Int
    /// One round's stake, in ledger units of `currency`.
    public let stakeUnits: Int64
    public let validUntil: Date

    public init(reward: String, player: PlayerID, game: String, currency: String, rounds: Int, stakeUnits: Int64, validUntil: Date) {
        self.reward = reward
        self.player = player
        self.game = game
        self.currency = currency
        self.rounds = rounds
        self.stakeUnits = stakeUnits
        self.validUntil = validUntil
    }
}

/// A free-spin grant's spins as the player sees them.
public struct FreeSpinsStatus: Sendable, Equatable {
    public let grantID: Int64
    public let game: String
    public let spins: Int
    /// Not yet over at the provider; 0 once they are all played, expired or cancelled.
    public let left: Int
    public let spinUnits: Int64
    public let validUntil: Date
}

/// A grant of free spins could not be given: no provider takes rewards here.
public enum FreeSpinsRefusal: String, Error, Sendable, Equatable {
    case noProvider
}
