import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// The batch passes each operation's hooks as the text of a PostgreSQL array, which the
/// procedure casts to `regproc[]`: PostgreSQL's own array parser must read back exactly the names
/// written, whatever characters they hold.
@Suite struct BatchApplyStatementTests {
    @Test(arguments: [
        [],
        ["games_check_bet_v1"],
        ["games_check_bet_v1", "identity_refuse_disabled_player_v1", "compliance_check_bet_v1"],
        ["a\"quote", "a\\backslash", "\\\"both\\\"", "comma,inside", "{braces}", "two words", "NULL", ""],
        ["ünïcödé", "名前"],
    ])
    func namesReadBackAsWritten(names: [String]) async throws {
        let literal = BatchApplyStatement.arrayLiteral(names)
        let readBack = try await TestDatabase.withEmpty { database in
            try await database.withConnection { connection in
                var values: [[String]] = []
                for try await value in try await connection.query("SELECT \(literal)::text[]", logger: TestServices.logger).decode(
                    [String].self)
                {
                    values.append(value)
                }
                return values
            }
        }
        #expect(readBack == [names], "literal \(literal)")
    }
}
