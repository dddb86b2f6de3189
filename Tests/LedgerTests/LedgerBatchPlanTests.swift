import Core
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// The batch function keeps its plans for a connection's life (`force_generic_plan`), so a plan
/// made while the tables were small must still look each operation's rows up by key once they
/// have grown (migration 0057, docs/ledger.md "Group commit").
@Suite struct LedgerBatchPlanTests {
    /// `pg_stat_xact_user_tables` counts what this transaction read: wins naming their bets must
    /// read `ledger_transactions` through its indexes only, not scan it. As a join, a plan made on
    /// the first call hashed the whole table for every later batch.
    @Test func aPlanMadeOnSmallTablesStillProbesForEachBetAsTheTableGrows() async throws {
        try await LedgerHarness.with { harness in
            try await BatchScenario.createHooks(on: harness.database)
            try await LedgerBatcherLockOrderTests.fund(harness)
            let bets = try [Int64(1), 2].map { player in try LedgerBatcherLockOrderTests.bet(of: player, key: "bet-\(player)") }
            let wins = try [Int64(1), 2].map { player in
                try BatchScenario.call(
                    BatchScenario.Step(
                        operation: LedgerOperation(
                            key: IdempotencyKey(scope: "hub88", key: "acme:win-\(player)"), player: PlayerID(player), currency: "EUR",
                            movement: .win(
                                units: 5, house: BatchScenario.games, bet: IdempotencyKey(scope: "hub88", key: "acme:bet-\(player)")),
                            metadata: ["round": "r1"]),
                        followUps: []))
            }
            try await harness.database.withConnection { connection in
                #expect(try await Self.apply(bets, on: connection) == ["ok", "ok"])
                try await connection.query(
                    """
                    SELECT ledger_apply('test', 'grow-' || n, '\\x00'::bytea, 'deposit', 1 + n % 2, 'EUR', 1, 'payments:sandbox', NULL, NULL,
                                        '{}'::jsonb)
                      FROM generate_series(1, 2000) AS n
                    """, logger: TestServices.logger
                ).collect()
                try await connection.query("BEGIN", logger: TestServices.logger).collect()
                #expect(try await Self.apply(wins, on: connection) == ["ok", "ok"])
                var scanned: Int64 = -1
                for try await rows in try await connection.query(
                    "SELECT seq_tup_read FROM pg_stat_xact_user_tables WHERE relname = 'ledger_transactions'", logger: TestServices.logger
                ).decode(Int64.self) { scanned = rows }
                try await connection.query("ROLLBACK", logger: TestServices.logger).collect()
                #expect(scanned == 0, "rows of ledger_transactions read by sequential scans")
            }
        }
    }

    /// A rollback in a batch runs `ledger_apply` under the batch's `force_generic_plan`. Its read
    /// of the transfers it reverses must probe `ledger_accounts` by key, even when the plan was made
    /// from statistics in which transfers debit only a house account: as a join, PostgreSQL merged
    /// it with a scan of the accounts' primary key up to the player's (migration 0071).
    @Test func aRollbackInABatchReadsTheAccountsOfItsTransfersByKey() async throws {
        try await LedgerHarness.with { harness in
            try await BatchScenario.createHooks(on: harness.database)
            let players = Int64(1)...Int64(1_500)
            try await harness.database.withConnection { connection in
                try await connection.query(
                    """
                    SELECT ledger_apply('test', 'fund-' || n, '\\x00'::bytea, 'deposit', n, 'EUR', 100, 'payments:sandbox', NULL, NULL,
                                        '{}'::jsonb)
                      FROM generate_series(\(players.lowerBound), \(players.upperBound)) AS n
                    """, logger: TestServices.logger
                ).collect()
                try await Self.analyzeOnlyNow(["ledger_accounts", "ledger_transfers"], on: connection)
                let last = players.upperBound
                #expect(try await Self.apply([try LedgerBatcherLockOrderTests.bet(of: last, key: "bet")], on: connection) == ["ok"])
                let (codes, read) = try await Self.apply(
                    [try Self.rollback(of: last, bet: "bet", key: "rollback")],
                    counting: "SELECT ARRAY[idx_tup_fetch + seq_tup_read] FROM pg_stat_xact_user_tables WHERE relname = 'ledger_accounts'",
                    on: connection)
                #expect(codes == ["ok"])
                #expect((0..<50).contains(read[0]), "\(read[0]) rows of ledger_accounts read by one rollback")
            }
        }
    }

    /// A rollback of a bet a win settled looks for that win's rollback. With the plan made from
    /// statistics taken before any rollback, it must still probe for it by key: as an anti-join,
    /// PostgreSQL read every rollback of the table for each win (migration 0071).
    @Test func aRollbackOfASettledBetLooksForTheWinsRollbackByKey() async throws {
        try await LedgerHarness.with { harness in
            try await harness.database.withConnection { connection in
                try await connection.query(
                    """
                    SELECT ledger_apply('test', 'fund-' || n, '\\x00'::bytea, 'deposit', n, 'EUR', 100, 'payments:sandbox', NULL, NULL,
                                        '{}'::jsonb),
                           ledger_apply('hub88', 'acme:bet-' || n, '\\x01'::bytea, 'bet', n, 'EUR', 10, 'games:acme', NULL, NULL, '{}'::jsonb)
                      FROM generate_series(1, 600) AS n
                    """, logger: TestServices.logger
                ).collect()
                try await Self.analyzeOnlyNow(["ledger_transactions"], on: connection)
                try await connection.query(
                    """
                    SELECT ledger_apply('hub88', 'acme:rollback-' || n, '\\x02'::bytea, 'rollback', n, 'EUR', NULL, NULL, 'hub88',
                                        'acme:bet-' || n, '{}'::jsonb)
                      FROM generate_series(1, 500) AS n
                    """, logger: TestServices.logger
                ).collect()
                let win = try BatchScenario.call(
                    BatchScenario.Step(
                        operation: LedgerOperation(
                            key: IdempotencyKey(scope: "hub88", key: "acme:win-600"), player: PlayerID(600), currency: "EUR",
                            movement: .win(units: 5, house: BatchScenario.games, bet: IdempotencyKey(scope: "hub88", key: "acme:bet-600")),
                            metadata: ["round": "r1"]),
                        followUps: []))
                #expect(try await Self.apply([win], on: connection) == ["ok"])
                let (codes, read) = try await Self.apply(
                    [try Self.rollback(of: 600, bet: "bet-600", key: "rollback-600")],
                    counting: """
                        SELECT ARRAY[pg_stat_get_xact_tuples_returned('ledger_transactions_one_rollback'::regclass),
                                     (SELECT seq_tup_read FROM pg_stat_xact_user_tables WHERE relname = 'ledger_transactions')]
                        """,
                    on: connection)
                #expect(codes == ["alreadySettled"])
                #expect((0..<10).contains(read[0]), "\(read[0]) entries of ledger_transactions_one_rollback read by one rollback")
                #expect(read[1] == 0, "rows of ledger_transactions read by sequential scans")
            }
        }
    }

    /// A rollback by `player` of their bet under Hub88's key `acme:<bet>`, ready to batch.
    static func rollback(of player: Int64, bet: String, key: String) throws -> HookedCall {
        try BatchScenario.call(
            BatchScenario.Step(
                operation: LedgerOperation(
                    key: IdempotencyKey(scope: "hub88", key: "acme:\(key)"), player: PlayerID(player), currency: "EUR",
                    movement: .rollback(of: IdempotencyKey(scope: "hub88", key: "acme:\(bet)")), metadata: ["round": "r1"]),
                followUps: []))
    }

    /// Takes the statistics a plan is made from now, and keeps them: autovacuum analysing a table
    /// again before the batch runs would let a plan made from newer statistics pass the test.
    static func analyzeOnlyNow(_ tables: [String], on connection: PostgresConnection) async throws {
        for table in tables {
            try await connection.query(
                PostgresQuery(unsafeSQL: "ALTER TABLE \(table) SET (autovacuum_enabled = false)"), logger: TestServices.logger
            ).collect()
        }
        try await connection.query(PostgresQuery(unsafeSQL: "ANALYZE " + tables.joined(separator: ", ")), logger: TestServices.logger)
            .collect()
    }

    /// Applies `calls` in a transaction rolled back after, answering their codes and what they
    /// added to the statistics counters `counters` reads (one row, an array of bigints). The
    /// session's counts not yet flushed include its earlier statements', hence a difference.
    static func apply(_ calls: [HookedCall], counting counters: String, on connection: PostgresConnection) async throws -> (
        codes: [String], added: [Int64]
    ) {
        func read() async throws -> [Int64] {
            var values: [Int64] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: counters), logger: TestServices.logger)
                .decode([Int64].self)
            { values = row }
            return values
        }
        try await connection.query("BEGIN", logger: TestServices.logger).collect()
        let before = try await read()
        let codes = try await apply(calls, on: connection)
        let after = try await read()
        try await connection.query("ROLLBACK", logger: TestServices.logger).collect()
        try #require(before.count == after.count && !after.isEmpty)
        return (codes, zip(after, before).map { $0 - $1 })
    }

    /// `ledger_apply_batch_v2` on `connection` (the procedure would commit), answering each code.
    static func apply(_ calls: [HookedCall], on connection: PostgresConnection) async throws -> [String] {
        let statement = BatchApplyStatement(calls: calls.map(\.statement))
        let arguments = (1...14).map { "$\($0)" }.joined(separator: ", ")
        let query = PostgresQuery(
            unsafeSQL: "SELECT code FROM ledger_apply_batch_v2(\(arguments)) ORDER BY ordinal", binds: try statement.makeBindings())
        var codes: [String] = []
        for try await code in try await connection.query(query, logger: TestServices.logger).decode(String?.self) {
            codes.append(code ?? "refused")
        }
        return codes
    }
}
