import Compliance
import Core
import Foundation
import Identity
import Ledger
import Logging
import Persistence
import PostgresNIO

/// Deposits (docs/payments.md): a player asks, the gateway answers with a page to pay on, and a
/// verified webhook later completes, fails or expires it. Completion credits `real` through
/// Ledger's API in the transaction that marks the deposit completed, keyed by the deposit's id,
/// so however many events say "paid", the money arrives once. A new deposit is written in the
/// transaction that asks Compliance's KYC limits and the player's own limits and exclusions
/// (player protection), under the player's Compliance lock.
public struct Deposits: Sendable {
    let database: Database
    let ledger: Ledger
    let gateways: PaymentGateways
    let limits: any MovementLimits
    /// Compliance's player protection: the player's own deposit limits and exclusions.
    let protection: any DepositProtection
    /// Compliance's AML rules, run in each completion's transaction.
    let monitoring: any DepositMonitoring
    let players: PlayerStatuses
    let logger: Logger
    /// Other contexts told of each completion in its transaction (deposit bonuses), composed by App.
    let observers: [any DepositCompletionObserver]

    public init(
        database: Database, ledger: Ledger, gateways: PaymentGateways, limits: any MovementLimits, protection: any DepositProtection,
        monitoring: any DepositMonitoring, logger: Logger, observers: [any DepositCompletionObserver] = []
    ) {
        self.observers = observers
        self.database = database
        self.ledger = ledger
        self.gateways = gateways
        self.limits = limits
        self.protection = protection
        self.monitoring = monitoring
        self.players = PlayerStatuses(database: database, logger: logger)
        self.logger = logger
    }

    /// The ledger's key for a deposit's credit: the deposit's id, never a webhook's.
    public static func creditKey(_ depositID: String) -> IdempotencyKey { IdempotencyKey(scope: "payments", key: "deposit:\(depositID)") }

    /// Creates a deposit of `amount` (decimal text) and asks the gateway for the page to pay on.
    /// `returnURL` gets `?deposit=<id>` appended, so the page the player comes back to can show it.
    public func create(player: PlayerID, gateway code: String, amount: String, currency: String, returnURL: String) async throws
        -> Deposit
    {
        guard let gateway = try await gateways.active(code) else { throw DepositRefusal.unknownGateway(code) }
        guard gateway.capabilities.deposits else { throw DepositRefusal.gatewayTakesNoDeposits(code) }
        guard let offered = gateway.capabilities.currency(currency), offered.deposits,
            let ledgerCurrency = try await ledger.currencies()[currency], ledgerCurrency.scale >= offered.exponent
        else { throw DepositRefusal.unsupportedCurrency(currency) }
        let gatewayUnits: Int64
        let units: Int64
        do throws(GatewayAmountProblem) {
            gatewayUnits = try GatewayAmount.gatewayUnits(amount, in: offered)
            units = try GatewayAmount.ledgerUnits(gatewayUnits, from: offered, to: ledgerCurrency)
        } catch {
            throw DepositRefusal.amount(error)
        }
        let id = PublicID.random("dep")
        // The limits check and the insert are one transaction under the player's Compliance lock
        // (taken by `admit`), so a concurrent deposit of the same player waits and then counts
        // this one. The gateway is called only after it committed.
        let refusal: DepositRefusal? = try await database.withTransaction(logger: logger) { connection in
            let verdict = try await limits.admit(player: player, direction: .deposit, currency: currency, units: units, on: connection)
            // Read under the lock a closure (Compliance's under-18 finding) also takes.
            guard let status = try await players.status(of: player, on: connection), !status.disabled else { return .playerDisabled }
            switch verdict {
            case .limitReached(let limit): return .limitReached(limit)
            case .rateMissing(let missing): return .rateMissing(missing)
            case nil: break
            }
            if let protected = try await protection.admitDeposit(player: player, currency: currency, units: units, on: connection) {
                return .protection(protected)
            }
            _ = try await connection.query(
                """
                INSERT INTO payments_deposits (public_id, player_id, gateway, currency, units, gateway_units)
                VALUES (\(id), \(player.rawValue), \(code), \(currency), \(units), \(gatewayUnits))
                """, logger: logger)
            return nil
        }
        if let refusal { throw refusal }
        let separator = returnURL.contains("?") ? "&" : "?"
        let created: GatewayDeposit
        do {
            created = try await gateway.createDeposit(
                GatewayDepositRequest(
                    depositID: id, player: player, currency: offered, gatewayUnits: gatewayUnits,
                    returnURL: returnURL + separator + "deposit=\(id)"))
        } catch {
            logger.warning("a gateway refused a new deposit", metadata: ["deposit": "\(id)", "gateway": "\(code)", "reason": "\(error)"])
            try await database.withConnection { connection in
                _ = try await connection.query(
                    """
                    UPDATE payments_deposits SET state = 'failed', reason = 'The payment method did not answer.', updated_at = now()
                     WHERE public_id = \(id)
                    """, logger: logger)
            }
            throw DepositRefusal.gatewayUnavailable(code)
        }
        let pending = try await list(
            """
            UPDATE payments_deposits SET state = 'pending', gateway_reference = \(created.reference), redirect_url = \(created.redirectURL),
                   updated_at = now()
             WHERE public_id = \(id) RETURNING \(unescaped: Self.columns)
            """)
        guard let deposit = pending.first else { throw DepositRefusal.gatewayUnavailable(code) }
        return deposit
    }

    /// The player's deposit, or nil when there is none with this id for this player.
    public func deposit(_ id: String, of player: PlayerID) async throws -> Deposit? {
        try await list(
            "SELECT \(unescaped: Self.columns) FROM payments_deposits WHERE public_id = \(id) AND player_id = \(player.rawValue)"
        ).first
    }

    /// The player's latest deposits, newest first.
    public func recent(of player: PlayerID, limit: Int = 20) async throws -> [Deposit] {
        try await list(
            "SELECT \(unescaped: Self.columns) FROM payments_deposits WHERE player_id = \(player.rawValue) ORDER BY id DESC LIMIT \(limit)")
    }

    /// Every player's latest deposits, newest first, for staff.
    public func latest(limit: Int = 50) async throws -> [Deposit] {
        try await list("SELECT \(unescaped: Self.columns) FROM payments_deposits ORDER BY id DESC LIMIT \(limit)")
    }

    private func list(_ query: PostgresQuery) async throws -> [Deposit] {
        try await database.withConnection { connection in
            var deposits: [Deposit] = []
            for try await row in try await connection.query(query, logger: logger).decode(Self.Row.self) {
                deposits.append(Self.deposit(row))
            }
            return deposits
        }
    }

    // MARK: - Rows

    /// A constant of this file, never input: the only text `unescaped:` puts into these queries.
    static let columns = """
        public_id, player_id, gateway, currency, units, state, redirect_url, reason, first_deposit, created_at, completed_at
        """
    typealias Row = (String, Int64, String, String, Int64, String, String?, String?, Bool, Date, Date?)

    static func deposit(_ row: Row) -> Deposit {
        Deposit(
            id: row.0, player: PlayerID(row.1), gateway: row.2, currency: row.3, units: row.4,
            state: Deposit.State(rawValue: row.5) ?? .failed,
            redirectURL: row.5 == "pending" ? row.6 : nil, reason: row.7, firstDeposit: row.8, createdAt: row.9, completedAt: row.10)
    }
}
