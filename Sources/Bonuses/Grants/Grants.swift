import Core
import Foundation
import Ledger
import Logging
import Persistence
import PostgresNIO

/// Grants (docs/bonuses.md): one running bonus per player and currency, given by a campaign
/// once per cause (`source`), its money a ledger `bonus_grant` keyed by the grant's id in the
/// same transaction as its row.
public struct Grants: Sendable {
    let database: Database
    let ledger: Ledger
    let logger: Logger
    let now: @Sendable () -> Date
    /// Where free-spin grants award their spins; nil where no provider takes rewards.
    let freeRounds: (any FreeRoundsProvider)?

    public init(
        database: Database, ledger: Ledger, logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
        freeRounds: (any FreeRoundsProvider)? = nil
    ) {
        self.database = database
        self.ledger = ledger
        self.logger = logger
        self.now = now
        self.freeRounds = freeRounds
    }

    /// The ledger's key for a grant's money.
    public static func grantKey(_ grant: Int64) -> IdempotencyKey { IdempotencyKey(scope: "bonuses", key: "grant:\(grant)") }

    /// Grants `campaign` to `player` for `source` (its cause, once) inside the caller's transaction.
    /// Nil when it gives nothing: the player already has a running bonus in that currency, this
    /// source was granted before, or the bonus would be 0. Free spins grant no money but their
    /// spins, awarded at the provider (`awardSpins`).
    public func grant(_ campaign: Campaign, to player: PlayerID, depositUnits: Int64, source: String, on connection: PostgresConnection)
        async throws -> Grant?
    {
        let terms = campaign.terms
        let units = terms.bonusUnits(forDeposit: depositUnits)
        guard units > 0 || terms.kind == .freeSpins else { return nil }
        if terms.kind == .freeSpins, freeRounds == nil { throw FreeSpinsRefusal.noProvider }
        // Bonus money a win credited after the previous bonus ended is that bonus's: it follows its
        // ending (converted within its cap, or forfeited) before a new grant could count it as its own.
        _ = try await settle(player: player, currency: terms.currency, .due, on: connection)
        let required = terms.requiredUnits(bonusUnits: units, depositUnits: depositUnits)
        let expires = now().addingTimeInterval(TimeInterval(terms.expiryDays) * 86_400)
        let inserted = try await connection.query(
            """
            INSERT INTO bonuses_grants (player_id, currency, campaign_id, source, units, required_units, max_bet_units,
                                        max_conversion_units, expires_at)
            VALUES (\(player.rawValue), \(terms.currency), \(campaign.id), \(source), \(units), \(required), \(terms.maxBetUnits),
                    \(terms.maxConversionUnits), \(expires))
            ON CONFLICT DO NOTHING
            RETURNING id
            """, logger: logger)
        var id: Int64?
        for try await value in inserted.decode(Int64.self) { id = value }
        guard let id else { return nil }
        if let spins = terms.freeSpins {
            try await awardSpins(spins, of: campaign, grant: id, player: player, on: connection)
            return try await grant(id, on: connection)
        }
        let outcome = try await ledger.apply(
            LedgerOperation(
                key: Self.grantKey(id), player: player, currency: terms.currency, movement: .bonusGrant(units: units),
                metadata: ["grant": String(id), "campaign": String(campaign.id)]),
            on: connection)
        guard outcome.code == .ok else { throw BonusLedgerRefusal(code: outcome.code) }
        return try await grant(id, on: connection)
    }

    /// Grants an enabled campaign by hand (staff), keyed by `source` so that a repeated request grants once.
    public func grantManually(campaign id: Int64, to player: PlayerID, depositUnits: Int64 = 0, source: String) async throws -> Grant? {
        try await database.withTransaction(logger: logger) { connection in
            guard
                let campaign = try await Campaigns.list(
                    "SELECT \(unescaped: Campaigns.columns) FROM bonuses_campaigns WHERE id = \(id) AND enabled", on: connection,
                    logger: logger
                ).first
            else { throw GrantRefusal.campaignNotEnabled }
            return try await grant(campaign, to: player, depositUnits: depositUnits, source: source, on: connection)
        }
    }

    /// The player's running bonuses (one per currency at most).
    public func active(of player: PlayerID) async throws -> [Grant] {
        try await database.withConnection { connection in try await active(of: player, on: connection) }
    }

    public func active(of player: PlayerID, on connection: PostgresConnection) async throws -> [Grant] {
        try await Grant.list(
            """
            SELECT \(unescaped: Grant.columns) FROM bonuses_grants g JOIN bonuses_campaigns c ON c.id = g.campaign_id
             WHERE g.player_id = \(player.rawValue) AND g.state = 'active' ORDER BY g.currency
            """, on: connection, logger: logger)
    }

    /// The player's grants, newest first.
    public func history(of player: PlayerID, limit: Int = 20) async throws -> [Grant] {
        try await database.withConnection { connection in
            try await Grant.list(
                """
                SELECT \(unescaped: Grant.columns) FROM bonuses_grants g JOIN bonuses_campaigns c ON c.id = g.campaign_id
                 WHERE g.player_id = \(player.rawValue) ORDER BY g.id DESC LIMIT \(limit)
                """, on: connection, logger: logger)
        }
    }

    func grant(_ id: Int64, on connection: PostgresConnection) async throws -> Grant? {
        try await Grant.list(
            "SELECT \(unescaped: Grant.columns) FROM bonuses_grants g JOIN bonuses_campaigns c ON c.id = g.campaign_id WHERE g.id = \(id)",
            on: connection, logger: logger
        ).first
    }
}

/// Why a grant was refused; nothing was written.
public enum GrantRefusal: String, Error, Sendable, Equatable {
    case campaignNotEnabled
}

/// The ledger refused a bonus movement Bonuses decided on: its transaction is rolled back.
public struct BonusLedgerRefusal: Error, Sendable, CustomStringConvertible {
    public let code: ResultCode
    public var description: String { "the ledger refused a bonus movement: \(code)" }
}
