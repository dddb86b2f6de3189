import Core
import Persistence
import PostgresNIO

/// Compares a follow-up's set variant, `<follow-up>_batch(bigint[], jsonb[])`, with the
/// follow-up called for each element in order (docs/ledger.md, "Group commit"). Each batch runs
/// both ways on the same rows in one transaction, rolled back to a savepoint in between and
/// undone at the end, and `digest` (a query of one text value) must read the same after both.
public enum FollowUpBatchCheck {
    /// One call of a follow-up: the operation's player and its hook arguments.
    public struct Call: Sendable {
        public let player: Int64
        public let arguments: [String: String]

        public init(player: Int64, arguments: [String: String]) {
            self.player = player
            self.arguments = arguments
        }
    }

    /// The first three batches whose digests differ, each described with both digests.
    /// `followUp` and `digest` are the test's own constants, never input.
    public static func differences(followUp: String, batches: [[Call]], digest: String, on database: Database) async throws -> [String] {
        try await database.withConnection { connection in
            var differences: [String] = []
            for (index, batch) in batches.enumerated() {
                let players = batch.map(\.player)
                let calls = batch.map { CanonicalJSON.object($0.arguments) }
                try await run("BEGIN", on: connection)
                try await run("SAVEPOINT one_by_one", on: connection)
                for (player, call) in zip(players, calls) {
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "SELECT \(followUp)($1, $2::jsonb)", binds: bindings(player, call)),
                        logger: TestServices.logger
                    ).collect()
                }
                let alone = try await read(digest, on: connection)
                try await run("ROLLBACK TO SAVEPOINT one_by_one", on: connection)
                try await connection.query(
                    PostgresQuery(unsafeSQL: "SELECT \(followUp)_batch($1, $2::jsonb[])", binds: bindings(players, calls)),
                    logger: TestServices.logger
                ).collect()
                let batched = try await read(digest, on: connection)
                try await run("ROLLBACK", on: connection)
                if alone != batched { differences.append("batch \(index): one by one \(alone), batched \(batched)") }
                if differences.count == 3 { break }
            }
            return differences
        }
    }

    private static func bindings(_ first: some PostgresEncodable, _ second: some PostgresEncodable) throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        try bindings.append(first, context: .default)
        try bindings.append(second, context: .default)
        return bindings
    }

    private static func run(_ sql: String, on connection: PostgresConnection) async throws {
        try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestServices.logger).collect()
    }

    private static func read(_ sql: String, on connection: PostgresConnection) async throws -> String {
        let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: TestServices.logger).collect()
        return try rows.first?.decode(String?.self) ?? nil ?? ""
    }
}
