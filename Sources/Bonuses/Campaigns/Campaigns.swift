import Core
import Ledger
import Logging
import Persistence
import PostgresNIO

/// Staff's campaigns (docs/bonuses.md): created disabled, then enabled or disabled. Terms never
/// change once written: a grant copies them, and a new campaign replaces an old one.
public struct Campaigns: Sendable {
    let database: Database
    let ledger: Ledger
    let logger: Logger

    public init(database: Database, ledger: Ledger, logger: Logger) {
        self.database = database
        self.ledger = ledger
        self.logger = logger
    }

    /// The one text interpolated into this context's queries unbound (`unescaped:`): a constant of
    /// this file, never input.
    static let columns = """
        id, name, currency, kind, match_percent, amount_units, eligibility, code, wagering_multiplier, wagering_base, max_bet_units,
        expiry_days, max_conversion_units, enabled, spins, spin_game, spin_days, segment
        """

    /// Writes a new campaign, disabled; throws a `CampaignProblem` and writes nothing when the
    /// terms break a rule or another campaign has the code.
    public func create(_ terms: CampaignTerms) async throws -> Campaign {
        if let problem = terms.problem { throw problem }
        guard try await ledger.currencies()[terms.currency] != nil else { throw CampaignProblem.unknownCurrency }
        var code: String?
        if case .code(let text) = terms.eligibility { code = text }
        let eligibility = code == nil ? "first_deposit" : "code"
        let rows = try await database.withConnection { connection in
            try await Self.list(
                """
                INSERT INTO bonuses_campaigns (name, currency, kind, match_percent, amount_units, eligibility, code, wagering_multiplier,
                                               wagering_base, max_bet_units, expiry_days, max_conversion_units, spins, spin_game, spin_days,
                                               segment)
                VALUES (\(terms.name), \(terms.currency), \(terms.kind.rawValue), \(terms.matchPercent), \(terms.amountUnits),
                        \(eligibility), \(code), \(terms.wageringMultiplier), \(terms.wageringBase.rawValue), \(terms.maxBetUnits),
                        \(terms.expiryDays), \(terms.maxConversionUnits), \(terms.freeSpins?.spins), \(terms.freeSpins?.game),
                        \(terms.freeSpins?.days), \(terms.segment))
                ON CONFLICT (code) DO NOTHING
                RETURNING \(unescaped: Self.columns)
                """, on: connection, logger: logger)
        }
        guard let campaign = rows.first else { throw CampaignProblem.code }
        return campaign
    }

    /// Enables or disables a campaign; answers it, or nil when there is none with this id.
    public func setEnabled(_ id: Int64, _ enabled: Bool) async throws -> Campaign? {
        try await database.withConnection { connection in
            try await Self.list(
                "UPDATE bonuses_campaigns SET enabled = \(enabled) WHERE id = \(id) RETURNING \(unescaped: Self.columns)",
                on: connection, logger: logger
            ).first
        }
    }

    public func all() async throws -> [Campaign] {
        try await database.withConnection { connection in
            try await Self.list("SELECT \(unescaped: Self.columns) FROM bonuses_campaigns ORDER BY id DESC", on: connection, logger: logger)
        }
    }

    public func campaign(_ id: Int64) async throws -> Campaign? {
        try await database.withConnection { connection in
            try await Self.list("SELECT \(unescaped: Self.columns) FROM bonuses_campaigns WHERE id = \(id)", on: connection, logger: logger)
                .first
        }
    }

    /// Sets what bets on games whose code starts with `prefix` count towards wagering (0–100 %);
    /// games no prefix matches count 100 %.
    public func setContribution(prefix: String, percent: Int) async throws {
        guard (1...100).contains(prefix.count), (0...100).contains(percent) else { throw CampaignProblem.wageringMultiplier }
        try await database.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO bonuses_game_contributions (game_prefix, percent) VALUES (\(prefix), \(percent))
                ON CONFLICT (game_prefix) DO UPDATE SET percent = EXCLUDED.percent
                """, logger: logger
            ).collect()
        }
    }

    /// `columns` is constant text, the only unbound part of these queries.
    static func list(_ query: PostgresQuery, on connection: PostgresConnection, logger: Logger) async throws -> [Campaign] {
        var campaigns: [Campaign] = []
        let rows = try await connection.query(query, logger: logger)
        for try await row in rows {
            let (
                id, name, currency, kind, matchPercent, amount, eligibility, code, multiplier, base, maxBet, expiry, maxConversion, enabled,
                spins, spinGame, spinDays, segment
            ) =
                try row.decode(
                    (
                        Int64, String, String, String, Int?, Int64, String, String?, Int, String, Int64?, Int, Int64?, Bool, Int?, String?,
                        Int?, String?
                    )
                    .self)
            var freeSpins: FreeSpinTerms?
            if let spins, let spinGame, let spinDays { freeSpins = FreeSpinTerms(spins: spins, game: spinGame, days: spinDays) }
            let terms = CampaignTerms(
                name: name, currency: currency, kind: Campaign.Kind(rawValue: kind) ?? .fixed, matchPercent: matchPercent,
                amountUnits: amount, eligibility: eligibility == "code" ? .code(code ?? "") : .firstDeposit,
                wageringMultiplier: multiplier, wageringBase: Campaign.WageringBase(rawValue: base) ?? .bonus, maxBetUnits: maxBet,
                expiryDays: expiry, maxConversionUnits: maxConversion,
                freeSpins: freeSpins, segment: segment)
            campaigns.append(Campaign(id: id, terms: terms, enabled: enabled))
        }
        return campaigns
    }
}
