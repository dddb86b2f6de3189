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
        var followUps: [TransactionHook] = [BatchScenario.countFollowUp, BatchScenario.tallyFollowUp]
        var arguments: [String: String] = [:]
    }

    /// What a run ends with: each step's answer, with transaction ids numbered by first
    /// appearance (each database numbers its rows from its own offset), and the final state.
    struct Result: Equatable {
        var answers: [String] = []
        var balances: [Int64: Balances] = [:]
        var followUps: [Int64: Int64] = [:]
        var tallies: [Int64: Int64] = [:]
        var rows: [Int] = []
        var events: [String] = []
    }

    /// A run's result and, for a batched run, how its batch ended; how many times the tally's
    /// set variant was called.
    struct Run {
        var result: Result
        var end: LedgerBatcher.End?
        var tallyBatchCalls: Int64
    }

    /// Test hooks created in the test's database: a check that refuses with the argument
    /// `refuse` when there is one, a follow-up that counts its runs per player and raises an
    /// SQL error when its argument `fail` is `yes`, and one that adds its argument `units` to
    /// the player's tally and has a set variant (`test_batch_tally_batch`), which a batch calls
    /// once for all its plain operations.
    static let refuseCheck = TransactionHook(function: "test_batch_refuse")
    static let countFollowUp = TransactionHook(function: "test_batch_count")
    static let tallyFollowUp = TransactionHook(function: "test_batch_tally")

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
                result.tallies[player] = try await harness.scalar(
                    "SELECT coalesce(sum(units), 0)::bigint FROM test_batch_tallies WHERE player_id = \(player)")
            }
            result.rows = try await harness.rowCounts()
            result.events = try await harness.ledgerEvents()
            let tallyBatchCalls = try await harness.scalar("SELECT count(*) FROM test_batch_tally_batch_calls")
            return Run(result: result, end: end, tallyBatchCalls: tallyBatchCalls)
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
                CREATE FUNCTION test_batch_count(p_player bigint, p_call jsonb) RETURNS void LANGUAGE plpgsql AS $$
                BEGIN
                    IF p_call->>'fail' = 'yes' THEN RAISE EXCEPTION 'a follow-up failed on purpose'; END IF;
                    INSERT INTO test_batch_follow_ups VALUES (p_player, 1)
                    ON CONFLICT (player_id) DO UPDATE SET runs = test_batch_follow_ups.runs + 1;
                END
                $$
                """,
                "CREATE TABLE test_batch_tallies (player_id bigint PRIMARY KEY, units bigint NOT NULL)",
                "CREATE TABLE test_batch_tally_batch_calls (calls integer NOT NULL)",
                """
                CREATE FUNCTION test_batch_tally(p_player bigint, p_call jsonb) RETURNS void LANGUAGE sql AS $$
                    INSERT INTO test_batch_tallies VALUES (p_player, coalesce((p_call->>'units')::bigint, 1))
                    ON CONFLICT (player_id) DO UPDATE SET units = test_batch_tallies.units + EXCLUDED.units
                $$
                """,
                """
                CREATE FUNCTION test_batch_tally_batch(p_players bigint[], p_calls jsonb[]) RETURNS void LANGUAGE sql AS $$
                    INSERT INTO test_batch_tally_batch_calls VALUES (cardinality(p_players));
                    INSERT INTO test_batch_tallies
                    SELECT u.player, sum(coalesce((u.call->>'units')::bigint, 1)) FROM unnest(p_players, p_calls) AS u(player, call)
                     GROUP BY u.player
                    ON CONFLICT (player_id) DO UPDATE SET units = test_batch_tallies.units + EXCLUDED.units
                $$
                """,
            ] {
                try await connection.query(statement, logger: TestServices.logger).collect()
            }
        }
    }
}
