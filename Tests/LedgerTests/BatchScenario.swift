import Core
import Persistence
import PostgresNIO
import TestSupport

@testable import Ledger

/// One sequence of hooked operations, run on a fresh database either one by one through the
/// single-operation path or as one batch, so that tests can compare every answer and the final
/// state of both runs.
struct BatchScenario {
    struct Step: Sendable {
        let operation: LedgerOperation
        var checks: [TransactionHook] = []
        var followUps: [TransactionHook] = [BatchScenario.countFollowUp]
        var arguments: [String: String] = [:]
    }

    /// What a run ends with: each step's answer, with transaction ids numbered by first
    /// appearance (each database numbers its rows from its own offset), and the final state.
    struct Result: Equatable {
        var answers: [String] = []
        var balances: [Int64: Balances] = [:]
        var followUps: [Int64: Int64] = [:]
        var rows: [Int] = []
        var events: [String] = []
    }

    /// A run's result and, for a batched run, how its batch ended.
    struct Run {
        var result: Result
        var end: LedgerBatcher.End?
    }

    /// Test hooks created in the test's database: a check that refuses with the argument
    /// `refuse` when there is one, and a follow-up that counts its runs per player and raises an
    /// SQL error when its argument `fail` is `yes`; and a check that raises an SQL error wherever
    /// it runs.
    static let refuseCheck = TransactionHook(function: "test_batch_refuse")
    static let explodeCheck = TransactionHook(function: "test_batch_explode")
    static let countFollowUp = TransactionHook(function: "test_batch_count")

    static let games = HouseAccount.games("acme")
    static let sandbox = HouseAccount.payments("sandbox")

    let setup: [LedgerOperation]
    let steps: [Step]
    var players: [Int64] = [1, 2, 3]

    func run(batched: Bool) async throws -> Run {
        try await LedgerHarness.with { harness in
            try await Self.createHooks(on: harness.database)
            for operation in setup { _ = try await harness.ledger.apply(operation) }
            var outcomes: [Swift.Result<Ledger.HookedOutcome, any Error>] = []
            var end: LedgerBatcher.End?
            if batched {
                let calls = try steps.map { step in try Self.call(step) }
                let batcher = LedgerBatcher(ledger: harness.ledger, settings: LedgerBatchSettings())
                (outcomes, end) = await batcher.apply(calls)
            } else {
                for step in steps {
                    do {
                        outcomes.append(
                            .success(
                                try await harness.ledger.apply(
                                    step.operation, checks: step.checks, followUps: step.followUps, hookArguments: step.arguments)))
                    } catch {
                        outcomes.append(.failure(error))
                    }
                }
            }
            var result = Result(answers: Self.describe(outcomes))
            for player in players {
                result.balances[player] = try await harness.balances(player)
                result.followUps[player] = try await harness.scalar(
                    "SELECT coalesce(sum(runs), 0)::bigint FROM test_batch_follow_ups WHERE player_id = \(player)")
            }
            result.rows = try await harness.rowCounts()
            result.events = try await harness.ledgerEvents()
            return Run(result: result, end: end)
        }
    }

    static func call(_ step: Step) throws -> HookedCall {
        let statement: HookedApplyStatement
        switch Ledger.arguments(for: step.operation) {
        case .failure(let refusal): throw refusal
        case .success(let arguments):
            statement = HookedApplyStatement(
                ledger: ApplyStatement(arguments), checks: step.checks.map(\.function), followUps: step.followUps.map(\.function),
                hookArguments: CanonicalJSON.object(step.arguments))
        }
        return HookedCall(operation: step.operation, statement: statement)
    }

    static func describe(_ outcomes: [Swift.Result<Ledger.HookedOutcome, any Error>]) -> [String] {
        var numbers: [Int64: Int] = [:]
        return outcomes.map { outcome in
            switch outcome {
            case .failure: return "error"
            case .success(.refused(let code, let balances)):
                return "refused \(code) " + (balances.map { "\($0.real)/\($0.bonus)/\($0.locked)" } ?? "-")
            case .success(.ledger(let answer)):
                let transaction = answer.transactionID.map { id -> String in
                    if numbers[id] == nil { numbers[id] = numbers.count + 1 }
                    return "#\(numbers[id] ?? 0)"
                }
                let balances = answer.balances.map { "\($0.real)/\($0.bonus)/\($0.locked)" } ?? "-"
                return "\(answer.code) \(transaction ?? "-") \(balances)\(answer.replayed ? " replayed" : "")"
            }
        }
    }

    static func createHooks(on database: Database) async throws {
        try await database.withConnection { connection in
            for statement: PostgresQuery in [
                "CREATE TABLE test_batch_follow_ups (player_id bigint PRIMARY KEY, runs bigint NOT NULL)",
                """
                CREATE FUNCTION test_batch_refuse(p_player bigint, p_call jsonb) RETURNS text LANGUAGE sql AS $$ SELECT p_call->>'refuse' $$
                """,
                """
                CREATE FUNCTION test_batch_explode(p_player bigint, p_call jsonb) RETURNS text LANGUAGE plpgsql
                AS $$ BEGIN RAISE EXCEPTION 'this check must not run'; END $$
                """,
                """
                CREATE FUNCTION test_batch_count(p_player bigint, p_call jsonb) RETURNS void LANGUAGE plpgsql AS $$
                BEGIN
                    IF p_call->>'fail' = 'yes' THEN RAISE EXCEPTION 'a follow-up failed on purpose'; END IF;
                    INSERT INTO test_batch_follow_ups VALUES (p_player, 1)
                    ON CONFLICT (player_id) DO UPDATE SET runs = test_batch_follow_ups.runs + 1;
                END
                $$
                """,
            ] {
                try await connection.query(statement, logger: TestServices.logger).collect()
            }
        }
    }
}
