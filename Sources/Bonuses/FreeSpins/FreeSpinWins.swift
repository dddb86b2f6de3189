import Core
import Foundation
import Ledger
import Logging
import Persistence
import PostgresNIO

/// Wins of free spins a bonus grant awarded (docs/bonuses.md "Free spins"): the wallet hands
/// Bonuses every win settling a free bet that names a reward; one of a grant's rewards becomes
/// that grant's bonus money — a ledger `bonus_grant` keyed by the win, the grant's units and
/// wagering requirement growing with it — in one transaction. Any other reward is not Bonuses'.
public struct FreeSpinWins: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// No grant awarded this reward to this player in this currency: the wallet pays it as before.
        case notOurs
        /// Credited to the player's bonus balance now.
        case credited
        /// This win was credited before, with the same amount: nothing moved.
        case replayed
        /// This win was credited before with another amount or reward: refused, nothing moved.
        case mismatch
    }

    let grants: Grants

    public init(grants: Grants) { self.grants = grants }

    /// The ledger's key for a win of a spin.
    public static func key(provider: String, transaction: String) -> IdempotencyKey {
        IdempotencyKey(scope: "bonuses", key: "spin-win:\(provider):\(transaction)")
    }

    public func credit(provider: String, transaction: String, reward: String, player: PlayerID, currency: String, units: Int64)
        async throws -> Outcome
    {
        guard units > 0 else { return .notOurs }
        let logger = grants.logger
        return try await grants.database.withTransaction(logger: logger) { connection in
            let owners = try await connection.query(
                """
                SELECT s.grant_id, c.wagering_multiplier FROM bonuses_free_spins s
                  JOIN bonuses_grants g ON g.id = s.grant_id JOIN bonuses_campaigns c ON c.id = g.campaign_id
                 WHERE s.reward = \(reward) AND s.provider = \(provider) AND g.player_id = \(player.rawValue) AND g.currency = \(currency)
                """, logger: logger)
            var owner: (Int64, Int)?
            for try await row in owners.decode((Int64, Int).self) { owner = row }
            guard let (grant, multiplier) = owner else { return .notOurs }
            let inserted = try await connection.query(
                """
                INSERT INTO bonuses_free_spin_wins (provider, transaction_uuid, grant_id, units)
                VALUES (\(provider), \(transaction), \(grant), \(units)) ON CONFLICT DO NOTHING RETURNING grant_id
                """, logger: logger
            ).collect()
            guard !inserted.isEmpty else {
                let earlier = try await connection.query(
                    """
                    SELECT grant_id, units FROM bonuses_free_spin_wins WHERE provider = \(provider) AND transaction_uuid = \(transaction)
                    """, logger: logger)
                for try await (earlierGrant, earlierUnits) in earlier.decode((Int64, Int64).self)
                where earlierGrant == grant && earlierUnits == units {
                    return .replayed
                }
                return .mismatch
            }
            let outcome = try await grants.ledger.apply(
                LedgerOperation(
                    key: Self.key(provider: provider, transaction: transaction), player: player, currency: currency,
                    movement: .bonusGrant(units: units), metadata: ["grant": String(grant), "reward": String(reward.prefix(100))]),
                on: connection)
            guard outcome.code == .ok else { throw BonusLedgerRefusal(code: outcome.code) }
            // Saturating, like wagering: a requirement past Int64 is one no player meets anyway.
            _ = try await connection.query(
                """
                UPDATE bonuses_grants
                   SET units = units + \(units),
                       required_units = least(9223372036854775807, required_units + \(units)::numeric * \(multiplier))::bigint
                 WHERE id = \(grant)
                """, logger: logger
            ).collect()
            return .credited
        }
    }
}
