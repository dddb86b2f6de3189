import Core
import Crypto
import Foundation
import Logging
import Persistence
import PostgresNIO

/// The double-entry ledger: the one way money moves (docs/ledger.md).
///
/// `apply` runs the stored function `ledger_apply` in a single round trip: it locks the
/// player's accounts, checks idempotency under that lock, splits a bet between real and bonus,
/// writes the transaction, its transfers, the new balances and the outbox event, all in one
/// PostgreSQL transaction. House accounts are only appended to, never locked.
public struct Ledger: Sendable {
    public let database: Database
    public let logger: Logger
    /// Group commit for hooked operations (`batching(_:)`); none: each goes alone.
    let batcher: LedgerBatcher?

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
        self.batcher = nil
    }

    private init(database: Database, logger: Logger, batcher: LedgerBatcher?) {
        self.database = database
        self.logger = logger
        self.batcher = batcher
    }

    /// This ledger with its hooked operations (providers' calls) collected into group commits
    /// (docs/ledger.md, "Group commit"); a window of 0 keeps every operation on its own.
    public func batching(_ settings: LedgerBatchSettings) -> Ledger {
        let alone = Ledger(database: database, logger: logger)
        guard settings.isOn else { return alone }
        return Ledger(database: database, logger: logger, batcher: LedgerBatcher(ledger: alone, settings: settings))
    }

    public func apply(_ operation: LedgerOperation) async throws -> Outcome {
        let statement: ApplyStatement
        switch Self.arguments(for: operation) {
        case .failure(let refusal): return Outcome(code: refusal.code)
        case .success(let arguments): statement = ApplyStatement(arguments)
        }
        let outcome = try await withRetries(key: operation.key) { connection in try await execute(statement, on: connection) }
        LedgerMetrics.record(operation, outcome)
        return outcome
    }

    /// Runs `body` on a pooled connection, again when it lost a race to a twin of its key, and
    /// fails at once when the connection closes under it (`Database.withConnectionFailingOnClose`):
    /// a provider's call then answers an error it retries, instead of hanging.
    /// `function` names the connection's trace span after the caller (`apply`), not this helper.
    func withRetries<T: Sendable>(
        key: IdempotencyKey, function: String = #function, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        for attempt in 1... {
            do {
                return try await database.withConnectionFailingOnClose(function: function, body)
            } catch let error as PSQLError where attempt < 3 && Self.isRetryable(error) {
                // Two operations with one key for different players both passed the check
                // before either committed; the loser retries and now sees the winner's row.
                logger.debug("retrying ledger operation", metadata: ["key": "\(key)", "sqlState": "\(error.sqlState ?? "")"])
            }
        }
        preconditionFailure("unreachable: the retry loop returns or throws")
    }

    /// `apply` inside the caller's transaction on `connection`, so the caller's own rows (an
    /// audit row, say) commit or roll back with the money. No retry: a retryable conflict
    /// fails the caller's transaction, which the caller runs again as a whole.
    public func apply(_ operation: LedgerOperation, on connection: PostgresConnection) async throws -> Outcome {
        switch Self.arguments(for: operation) {
        case .failure(let refusal): return Outcome(code: refusal.code)
        case .success(let arguments):
            let outcome = try await execute(ApplyStatement(arguments), on: connection)
            LedgerMetrics.record(operation, outcome)
            return outcome
        }
    }

    private func execute(_ statement: ApplyStatement, on connection: PostgresConnection) async throws -> Outcome {
        for try await (code, transactionID, real, bonus, locked, replayed) in try await connection.execute(statement, logger: logger) {
            guard let resultCode = ResultCode(rawValue: code) else { throw LedgerError.unexpectedResult(code) }
            return Self.outcome(resultCode, transactionID, real, bonus, locked, replayed)
        }
        throw LedgerError.unexpectedResult("no row")
    }

    static func outcome(_ code: ResultCode, _ transactionID: Int64?, _ real: Int64?, _ bonus: Int64?, _ locked: Int64?, _ replayed: Bool)
        -> Outcome
    {
        var balances: Balances?
        if let real, let bonus, let locked { balances = Balances(real: real, bonus: bonus, locked: locked) }
        return Outcome(code: code, transactionID: transactionID, balances: balances, replayed: replayed)
    }

    /// `ledger_apply`'s arguments for an operation, in its order; only Ledger binds them.
    struct Arguments: Sendable {
        let scope: String
        let key: String
        let payloadHash: [UInt8]
        let kind: String
        let player: Int64
        let currency: String
        let units: Int64?
        let house: String?
        let referenceScope: String?
        let referenceKey: String?
        let metadata: String
    }

    /// The arguments, or the refusal when the operation is invalid before any database work.
    static func arguments(for operation: LedgerOperation) -> Result<Arguments, Refusal> {
        if let refusal = validate(operation) { return .failure(Refusal(code: refusal)) }
        let movement = operation.movement
        return .success(
            Arguments(
                scope: operation.key.scope, key: operation.key.key, payloadHash: payloadHash(operation), kind: movement.kind,
                player: operation.player.rawValue, currency: operation.currency, units: movement.amount, house: movement.house?.code,
                referenceScope: movement.reference?.scope, referenceKey: movement.reference?.key,
                metadata: CanonicalJSON.object(operation.metadata)))
    }

    struct Refusal: Error, Sendable {
        let code: ResultCode
    }

    /// Whether `operation` is refused before any check or query runs (a malformed key, house,
    /// metadata or amount): a caller cannot take such a refusal as a sign that its checks passed.
    public static func isMalformed(_ operation: LedgerOperation) -> Bool { validate(operation) != nil }

    /// Refusals that need no database: they change nothing and are never stored.
    static func validate(_ operation: LedgerOperation) -> ResultCode? {
        guard operation.key.isWellFormed, operation.movement.reference?.isWellFormed ?? true else { return .invalidKey }
        if let house = operation.movement.house, !house.isWellFormed { return .invalidKey }
        guard operation.metadata.count <= 32,
            operation.metadata.allSatisfy({ $0.key.utf8.count <= 64 && $0.value.utf8.count <= 512 })
        else { return .invalidMetadata }
        switch operation.movement {
        case .adjustment(let units):
            if units == 0 || units == .min { return .invalidAmount }
        case .withdrawalPost(_, _, let fee):
            // Whether it fits in the hold only the database knows.
            if fee < 0 { return .invalidAmount }
        default:
            if let units = operation.movement.units, units <= 0 { return .invalidAmount }
        }
        return nil
    }

    /// A unique or serialization conflict between twins of one key: retrying finds the winner.
    public static func isRetryable(_ error: PSQLError) -> Bool {
        ["23505", "40001", "40P01"].contains(error.sqlState ?? "")
    }

    /// SHA-256 over a canonical encoding of everything that defines the operation, so that a
    /// replay with any detail changed (amount, round, game, …) is a mismatch.
    static func payloadHash(_ operation: LedgerOperation) -> [UInt8] {
        let movement = operation.movement
        let fields: [String] = [
            "1", movement.kind, String(operation.player.rawValue), operation.currency, movement.amount.map(String.init) ?? "",
            movement.house?.code ?? "", movement.reference?.scope ?? "", movement.reference?.key ?? "",
            CanonicalJSON.object(operation.metadata),
        ]
        return Array(SHA256.hash(data: Array(CanonicalJSON.array(fields).utf8)))
    }

    // MARK: - Reading

    /// The currencies the ledger knows, by code.
    public func currencies() async throws -> [String: Currency] {
        try await database.withConnection { connection in
            var currencies: [String: Currency] = [:]
            let rows = try await connection.query("SELECT code, scale, kind FROM ledger_currencies", logger: logger)
            for try await (code, scale, kind) in rows.decode((String, Int16, String).self) {
                currencies[code] = Currency(code: code, scale: Int(scale), kind: Currency.Kind(rawValue: kind) ?? .fiat)
            }
            return currencies
        }
    }

    /// A player's balances per currency (only currencies the player has used).
    public func balances(of player: PlayerID) async throws -> [String: Balances] {
        try await balancesAsOf(of: player).mapValues(\.balances)
    }

    /// A player's balances per currency with the id of the last transaction that moved them
    /// (0 before any), read in one statement so both are of the same commit: a reader that also
    /// hears ledger events can tell which of them the balances already include.
    public func balancesAsOf(of player: PlayerID) async throws -> [String: BalancesAsOf] {
        try await database.withConnection { connection in
            var result: [String: (real: Int64, bonus: Int64, locked: Int64, transaction: Int64)] = [:]
            let rows = try await connection.query(
                """
                SELECT a.currency, a.balance_kind, a.balance,
                       COALESCE((SELECT max(t.id) FROM ledger_transactions t
                                  WHERE t.player_id = a.player_id AND t.currency = a.currency), 0)
                  FROM ledger_accounts a WHERE a.player_id = \(player.rawValue)
                """, logger: logger)
            for try await (currency, kind, balance, transaction) in rows.decode((String, String, Int64, Int64).self) {
                var entry = result[currency] ?? (0, 0, 0, transaction)
                switch kind {
                case "real": entry.real = balance
                case "bonus": entry.bonus = balance
                case "locked": entry.locked = balance
                default: continue  // a debt is not money the player has: `debts(of:)`
                }
                result[currency] = entry
            }
            return result.mapValues {
                BalancesAsOf(balances: Balances(real: $0.real, bonus: $0.bonus, locked: $0.locked), transaction: $0.transaction)
            }
        }
    }

    /// What a player owes per currency from chargebacks their real balance did not cover, in
    /// positive units; only currencies where something is owed.
    public func debts(of player: PlayerID) async throws -> [String: Int64] {
        try await database.withConnection { connection in
            var result: [String: Int64] = [:]
            let rows = try await connection.query(
                """
                SELECT currency, -balance FROM ledger_accounts
                 WHERE player_id = \(player.rawValue) AND balance_kind = 'debt' AND balance < 0
                """, logger: logger)
            for try await (currency, owed) in rows.decode((String, Int64).self) { result[currency] = owed }
            return result
        }
    }
}

public enum LedgerError: Error, CustomStringConvertible {
    case unexpectedResult(String)

    public var description: String {
        switch self {
        case .unexpectedResult(let detail): "ledger_apply answered something unexpected: \(detail)"
        }
    }
}
