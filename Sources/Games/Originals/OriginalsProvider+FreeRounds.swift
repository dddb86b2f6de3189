import Foundation

/// Originals' rewards API (docs/games/originals.md "Free rounds"), what an aggregator's free-bet
/// API offers an operator: award a player N rounds of a stake on a game under the operator's
/// reward id, valid until a time; cancel them; ask how many are not over. Each round is then
/// played as a Hub88 bet with `is_free: true` and `reward_uuid`, and its win as usual.
extension OriginalsProvider {
    public enum FreeRoundsRefusal: String, Error, Sendable, Equatable {
        /// Not a game of Originals, or a stake that game cannot play (the slot's splits over its lines).
        case invalidGame, invalidStake, invalidRounds, invalidReward
    }

    /// Awards `rounds` free rounds of `betUnits` (Hub88 units) on `game` to the operator's `player`;
    /// awarding the same `reward` again changes nothing.
    public func awardFreeRounds(
        reward: String, player: String, game: String, currency: String, betUnits: Int64, rounds: Int, validUntil: Date
    ) async throws {
        guard Self.games.contains(where: { $0.code == game }) else { throw FreeRoundsRefusal.invalidGame }
        guard Self.takesFreeRounds(of: betUnits, on: game) else { throw FreeRoundsRefusal.invalidStake }
        guard (1...500).contains(rounds) else { throw FreeRoundsRefusal.invalidRounds }
        guard (1...100).contains(reward.count) else { throw FreeRoundsRefusal.invalidReward }
        try await store.award(
            reward: reward, player: player, game: game, currency: currency, betUnits: betUnits, rounds: rounds, validUntil: validUntil)
    }

    /// Whether `game` can play free rounds of `betUnits` (Hub88 units): a game of Originals, and a
    /// stake it takes from a player (the slot's splits evenly over its lines).
    public static func takesFreeRounds(of betUnits: Int64, on game: String) -> Bool {
        games.contains { $0.code == game } && betUnits >= minimumBet && betUnits <= maximumBet(game)
            && (game != "slot" || Slot.isValid(bet: betUnits))
    }

    /// Takes back the rounds of `reward` not yet played; a round being played still settles.
    public func cancelFreeRounds(reward: String) async throws { try await store.cancel(reward: reward) }

    /// The rounds of `reward` not yet over: unplayed and valid, or played with the win unsettled.
    public func openFreeRounds(reward: String) async throws -> Int { try await store.openRounds(reward: reward) }
}
