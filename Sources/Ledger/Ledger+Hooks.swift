import Core
import Persistence
import PostgresNIO

/// One ledger operation with another context's checks before it and bookkeeping after it, in one
/// transaction and one round trip (Ledger's SQL API `ledger_apply_with_hooks_v2`, migrations 0012,
/// 0033, 0051 and 0060).
extension Ledger {
    public enum HookedOutcome: Sendable, Equatable {
        /// A check refused the operation with its own code; nothing was written. `balances`: the
        /// player's in the operation's currency as the refusal found them (zero without accounts).
        case refused(String, balances: Balances? = nil)
        /// The ledger's answer; the follow-ups ran when it is `ok` and not a replay.
        case ledger(Outcome)

        /// The check's refusal, if a check refused.
        public var refusal: String? {
            if case .refused(let code, _) = self { return code }
            return nil
        }
    }

    /// Ledger's own check for a rollback whose reference was not found when the caller looked
    /// (migration 0032): it waits for the player's call in flight and for the reference's key
    /// (0066), and refuses `referenceKnown` if the reference has been applied meanwhile, so the
    /// caller reverses it with the follow-ups of what it reverses instead of leaving a
    /// tombstone's none. Its arguments: `referenceArguments(currency:reference:)`.
    public static let refuseKnownReference = TransactionHook(function: "ledger_refuse_known_reference_v1")
    public static let referenceKnown = "referenceKnown"

    public static func referenceArguments(currency: String, reference: IdempotencyKey) -> [String: String] {
        ["currency": currency, "reference_scope": reference.scope, "reference_key": reference.key]
    }

    /// Applies `operation` unless a check refuses it first (checks run only for a key not applied
    /// yet: a retry gets its first answer), then runs the follow-ups when money moved now. Every
    /// hook receives the player and `hookArguments` as a JSON object. With a batcher
    /// (`batching(_:)`), the operation joins a group commit and is answered after it.
    public func apply(
        _ operation: LedgerOperation, checks: [TransactionHook], followUps: [TransactionHook], hookArguments: [String: String]
    ) async throws -> HookedOutcome {
        let call: HookedCall
        switch Self.arguments(for: operation) {
        case .failure(let refusal): return .ledger(Outcome(code: refusal.code))
        case .success(let arguments):
            call = HookedCall(
                operation: operation,
                statement: HookedApplyStatement(
                    ledger: ApplyStatement(arguments), checks: checks.map(\.function), followUps: followUps.map(\.function),
                    hookArguments: CanonicalJSON.object(hookArguments)))
        }
        if let batcher { return try await batcher.submit(call) }
        return try await applyAlone(call)
    }

    /// The single-operation path: one statement on a pooled connection, again when it lost a
    /// race to a twin of its key.
    func applyAlone(_ call: HookedCall) async throws -> HookedOutcome {
        let outcome: HookedOutcome = try await withRetries(key: call.operation.key, function: "apply") { connection in
            for try await (refusal, code, transactionID, real, bonus, locked, replayed) in try await connection.execute(
                call.statement, logger: logger)
            {
                return try Self.hookedOutcome(refusal, code, transactionID, real, bonus, locked, replayed)
            }
            throw LedgerError.unexpectedResult("ledger_apply_with_hooks_v2 returned no row")
        }
        Self.record(call.operation, outcome)
        return outcome
    }

    static func hookedOutcome(
        _ refusal: String?, _ code: String?, _ transactionID: Int64?, _ real: Int64?, _ bonus: Int64?, _ locked: Int64?, _ replayed: Bool
    ) throws -> HookedOutcome {
        if let refusal {
            var balances: Balances?
            if let real, let bonus, let locked { balances = Balances(real: real, bonus: bonus, locked: locked) }
            return .refused(refusal, balances: balances)
        }
        guard let code, let resultCode = ResultCode(rawValue: code) else { throw LedgerError.unexpectedResult(code ?? "no code") }
        return .ledger(outcome(resultCode, transactionID, real, bonus, locked, replayed))
    }

    static func record(_ operation: LedgerOperation, _ outcome: HookedOutcome) {
        switch outcome {
        case .refused(let code, _): LedgerMetrics.recordRefusal(operation, code: code)
        case .ledger(let answer): LedgerMetrics.record(operation, answer)
        }
    }
}

/// A hooked operation ready to bind, with the operation kept for the metrics of its answer.
struct HookedCall: Sendable {
    let operation: LedgerOperation
    let statement: HookedApplyStatement
}

struct HookedApplyStatement: PostgresPreparedStatement {
    typealias Row = (String?, String?, Int64?, Int64?, Int64?, Int64?, Bool)

    static let sql = """
        SELECT refusal, code, transaction_id, real_balance, bonus_balance, locked_balance, replayed
          FROM ledger_apply_with_hooks_v2($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb, $12::regproc[], $13::regproc[], $14::jsonb)
        """
    static let bindingDataTypes: [PostgresDataType] = ApplyStatement.bindingDataTypes + [.textArray, .textArray, .text]

    let ledger: ApplyStatement
    let checks: [String]
    let followUps: [String]
    let hookArguments: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = try ledger.makeBindings()
        bindings.append(checks)
        bindings.append(followUps)
        bindings.append(hookArguments)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
