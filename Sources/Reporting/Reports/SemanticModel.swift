/// The report builder's names and what each means in ClickHouse (docs/reports.md). Every column,
/// function and expression of a report's SQL comes from here; input only chooses among them.
/// Money is summed in ledger units of one currency, or of the pivot for every currency together:
/// a bet's stake is what left the player's real and bonus balances, a rollback gives a stake back
/// (positive) or takes a win back (negative).
enum SemanticModel {
    enum Kind: Sendable {
        /// Units of the row's currency, shown as its decimal.
        case money
        case count
        /// A ratio in hundredths of a percent, shown with two decimals.
        case percent
    }

    struct Measure: Sendable {
        let expression: String
        let kind: Kind
        var source: Source = .movements
    }

    static let stake = "real_units + bonus_units"
    static let turnover = "(sumIf(-(\(stake)), kind = 'bet') - sumIf(\(stake), kind = 'rollback' AND \(stake) > 0))"
    static let wins = "(sumIf(\(stake), kind = 'win') + sumIf(\(stake), kind = 'rollback' AND \(stake) < 0))"
    static let bonusCost = "sumIf(real_units, kind = 'bonus_convert')"
    /// Signed, so that a division by it keeps a negative GGR negative (ClickHouse 18 divides a
    /// signed value by an unsigned one as unsigned). ClickHouse computes both branches of `if`,
    /// so an integer division by it is guarded against zero inside the branch too.
    static let active = "toInt64(uniqExactIf(player_id, kind = 'bet'))"

    static let measures: [String: Measure] = [
        "turnover": Measure(expression: turnover, kind: .money),
        "wins": Measure(expression: wins, kind: .money),
        "ggr": Measure(expression: "(\(turnover) - \(wins))", kind: .money),
        "ngr": Measure(expression: "(\(turnover) - \(wins) - \(bonusCost))", kind: .money),
        // Ratios in floating point (no Int64 overflow for any volume), then hundredths of a percent.
        "rtp": Measure(expression: "if(\(turnover) = 0, NULL, toInt64(round(toFloat64(\(wins)) * 10000 / \(turnover))))", kind: .percent),
        "hold": Measure(
            expression: "if(\(turnover) = 0, NULL, toInt64(round(toFloat64(\(turnover) - \(wins)) * 10000 / \(turnover))))", kind: .percent),
        // A deposit first repays a chargeback's debt: what the player paid is both parts.
        "deposits": Measure(expression: "sumIf(real_units + debt_units, kind = 'deposit')", kind: .money),
        "withdrawals": Measure(expression: "sumIf(-locked_units, kind = 'withdrawal_post')", kind: .money),
        "net_deposits": Measure(
            expression: "(sumIf(real_units + debt_units, kind = 'deposit') - sumIf(-locked_units, kind = 'withdrawal_post'))",
            kind: .money),
        "active_players": Measure(expression: active, kind: .count),
        "arpu": Measure(expression: "if(\(active) = 0, NULL, intDiv(\(turnover) - \(wins), greatest(\(active), 1)))", kind: .money),
        "bonus_cost": Measure(expression: bonusCost, kind: .money),
        "rounds": Measure(expression: "toInt64(uniqExactIf(provider, round, player_id, kind = 'bet' AND round != ''))", kind: .count),
        "ftd_count": Measure(expression: "toInt64(uniqExactIf(player_id, kind = 'ftd'))", kind: .count, source: .firstDeposits),
        "ftd_amount": Measure(expression: "sumIf(real_units, kind = 'ftd')", kind: .money, source: .firstDeposits),
        "new_players": Measure(expression: "toInt64(uniqExactIf(player_id, kind = 'registered'))", kind: .count, source: .registrations),
    ]

    /// Dimensions that are columns of every source; `time` is the grain's bucket.
    static let columns: [String: String] = ["provider": "provider", "game": "game", "currency": "currency", "gateway": "gateway"]
    /// Dimensions of the player, as of now: the latest value of each attribute (by sequence).
    /// A player no level was ever set for is at level 0, as in Compliance.
    static let playerColumns: [String: String] = [
        "country": "country", "kyc_level": "if(kyc_level = '', '0', kyc_level)", "segment": "segments",
    ]
    /// Dimensions of the game, as of now: its latest name and category (by sequence).
    static let gameColumns: [String: String] = ["game_name": "game_name", "category": "category"]
    static let time = "time"

    /// Where a measure's rows come from. Every source has the columns of `money_movements` that
    /// reports read, so that measures of several sources are one `UNION ALL` and one `GROUP BY`.
    /// Each part is filtered inside (ClickHouse 18 does not push a condition into a subquery).
    enum Source: Sendable, CaseIterable {
        case movements
        /// A first deposit's completion, as kind `ftd` with its amount in `real_units`.
        case firstDeposits
        /// A player's registration, as kind `registered`, in no currency.
        case registrations

        /// The dimension columns it has, which a filter narrows.
        var columns: Set<String> {
            switch self {
            case .movements: ["provider", "game", "currency", "gateway"]
            case .firstDeposits: ["currency", "gateway"]
            case .registrations: []
            }
        }

        /// Dimensions its measures cannot be broken down or filtered by: a report of new players
        /// "of provider acme" would count every new player. A registration has no currency either,
        /// but a currency stays allowed beside new players, so that a day's EUR figures and its new
        /// players are one report: the currency filter does not narrow new players, and by
        /// currency they are the "" row.
        var lacks: Set<String> {
            switch self {
            case .movements: []
            case .firstDeposits: ["provider", "game", "game_name", "category"]
            case .registrations: ["provider", "game", "game_name", "category", "gateway"]
            }
        }

        /// Its rows; in the pivot, the amounts are the values the loader gave them, and a row
        /// without one (no rate was valid at its time) is left out.
        func select(pivot: Bool) -> String {
            switch self {
            case .movements where pivot:
                """
                SELECT occurred_at, kind, player_id, currency, pivot_real_units AS real_units, pivot_bonus_units AS bonus_units, \
                pivot_locked_units AS locked_units, pivot_debt_units AS debt_units, provider, game, round, gateway \
                FROM money_movements FINAL WHERE pivot_currency != ''
                """
            case .movements:
                """
                SELECT occurred_at, kind, player_id, currency, real_units, bonus_units, locked_units, debt_units, provider, game, round, \
                gateway FROM money_movements FINAL WHERE 1
                """
            case .firstDeposits:
                """
                SELECT occurred_at, 'ftd' AS kind, player_id, currency, \(pivot ? "pivot_units" : "units") AS real_units, \
                toInt64(0) AS bonus_units, toInt64(0) AS locked_units, toInt64(0) AS debt_units, '' AS provider, '' AS game, '' AS round, \
                gateway FROM payment_facts FINAL WHERE event = 'deposit_completed' AND first_deposit = 1\(pivot ? " AND pivot_currency != ''" : "")
                """
            case .registrations:
                """
                SELECT occurred_at, 'registered' AS kind, player_id, '' AS currency, toInt64(0) AS real_units, toInt64(0) AS bonus_units, \
                toInt64(0) AS locked_units, toInt64(0) AS debt_units, '' AS provider, '' AS game, '' AS round, '' AS gateway \
                FROM player_facts FINAL WHERE attribute = 'registered'
                """
            }
        }
    }

    /// Each player's dimensions: ClickHouse 18 joins once per SELECT, so one subquery holds them all.
    static let players = """
        SELECT player_id, argMaxIf(value, sequence, attribute = 'country') AS country, \
        argMaxIf(value, sequence, attribute = 'kyc_level') AS kyc_level, argMaxIf(value, sequence, attribute = 'segments') AS segments \
        FROM player_facts FINAL GROUP BY player_id
        """

    /// Each game's dimensions, joined to the rows by provider and game before the players' join
    /// (ClickHouse 18 joins once per SELECT). `columns` are what the rows' SELECT names.
    static let gameJoin = """
        ANY LEFT JOIN (SELECT provider, game, argMax(name, sequence) AS game_name, argMax(category, sequence) AS category \
        FROM game_facts FINAL GROUP BY provider, game) USING (provider, game)
        """
    static let rowColumns =
        "occurred_at, kind, player_id, currency, real_units, bonus_units, locked_units, debt_units, provider, game, round, gateway"

    /// The bucket of `occurred_at` in the report's time zone (a literal from `ClickHouseLiteral`).
    static func bucket(grain: String, zone: String) -> String? {
        switch grain {
        case "hour": "toStartOfHour(toTimeZone(occurred_at, \(zone)))"
        case "day": "toDate(occurred_at, \(zone))"
        case "week": "toMonday(toDate(occurred_at, \(zone)))"
        case "month": "toStartOfMonth(toDate(occurred_at, \(zone)))"
        default: nil
        }
    }

    static let hoursPerBucket = ["hour": 1, "day": 24, "week": 168, "month": 720]
    /// A report has at most this many time buckets: ten years by the day, about fourteen months by the hour.
    static let maxBuckets = 10_000
    static let maxLimit = 10_000
    /// The most parts a report's range is read in, side by side (`ReportCompiler.slices`).
    static let maxSlices = 8
    static let maxFilterValues = 100
}
