import Core
import Foundation
import Logging
import PostgresNIO

/// One bonus given to one player in one currency, with its campaign's terms copied
/// (docs/bonuses.md). Its money is the player's ledger `bonus` account; this is its progress.
public struct Grant: Sendable, Equatable {
    public enum State: String, Sendable, Equatable {
        /// Wagering runs; the player's bonus money belongs to it.
        case active
        /// Wagering was met: bonus money moved to real (up to the cap, the rest forfeited).
        case converted
        /// The player (or an exclusion, or staff) gave it up: bonus money went back to the house.
        case forfeited
        /// Its time ran out before wagering was met: as forfeited.
        case expired
    }

    public let id: Int64
    public let player: PlayerID
    public let currency: String
    public let campaignID: Int64
    public let campaignName: String
    public let units: Int64
    public let requiredUnits: Int64
    public let wageredUnits: Int64
    public let maxBetUnits: Int64?
    public let maxConversionUnits: Int64?
    public let expiresAt: Date
    public let state: State
    public let convertedUnits: Int64
    public let forfeitedUnits: Int64
    public let reason: String?

    /// Wagering is met: the next settlement converts it.
    public var wageringMet: Bool { wageredUnits >= requiredUnits }

    /// The one text interpolated into Grants' queries unbound (`unescaped:`): a constant of this
    /// file, never input.
    static let columns = """
        g.id, g.player_id, g.currency, g.campaign_id, c.name, g.units, g.required_units, g.wagered_units, g.max_bet_units,
        g.max_conversion_units, g.expires_at, g.state, g.converted_units, g.forfeited_units, g.reason
        """

    /// `columns` (constant text) over `bonuses_grants g JOIN bonuses_campaigns c`.
    static func list(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [Grant] {
        var grants: [Grant] = []
        let rows = try await connection.query(query, logger: logger)
        for try await row in rows {
            let (
                id, player, currency, campaign, name, units, required, wagered, maxBet, maxConversion, expires, state, converted, forfeited,
                reason
            ) =
                try row.decode(
                    (Int64, Int64, String, Int64, String, Int64, Int64, Int64, Int64?, Int64?, Date, String, Int64, Int64, String?).self)
            grants.append(
                Grant(
                    id: id, player: PlayerID(player), currency: currency, campaignID: campaign, campaignName: name, units: units,
                    requiredUnits: required, wageredUnits: wagered, maxBetUnits: maxBet, maxConversionUnits: maxConversion,
                    expiresAt: expires, state: State(rawValue: state) ?? .forfeited, convertedUnits: converted, forfeitedUnits: forfeited,
                    reason: reason))
        }
        return grants
    }
}
