import Bonuses
import Core
import Games
import Ledger

/// Bonuses' free spins on Croupier Originals: the operator side of Originals' rewards API, as an
/// aggregator's free-bet API is called. Stakes go from ledger units to Hub88's.
struct OriginalsFreeRounds: FreeRoundsProvider {
    let originals: OriginalsHolder
    let ledger: Ledger

    var code: String { OriginalsProvider.code }

    func award(_ award: FreeRoundsAward) async throws {
        guard let currency = try await ledger.currencies()[award.currency] else { throw CampaignProblem.unknownCurrency }
        try await originals.get().awardFreeRounds(
            reward: award.reward, player: String(award.player.rawValue), game: award.game, currency: award.currency,
            betUnits: Hub88Amount.wire(units: award.stakeUnits, scale: currency.scale), rounds: award.rounds,
            validUntil: award.validUntil)
    }

    func cancel(reward: String) async throws { try await originals.get().cancelFreeRounds(reward: reward) }

    func openRounds(reward: String) async throws -> Int { try await originals.get().openFreeRounds(reward: reward) }
}
