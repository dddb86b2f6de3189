import Logging
import PostgresNIO

/// A transaction that failed at BEGIN, at COMMIT, or in its body with a ROLLBACK that failed
/// too. An error at COMMIT leaves the outcome unknown unless the server said it rolled back.
public struct DatabaseTransactionError: Error, CustomStringConvertible {
    public var beginError: (any Error)?
    public var closureError: (any Error)?
    public var commitError: (any Error)?
    public var rollbackError: (any Error)?

    public init(
        beginError: (any Error)? = nil, closureError: (any Error)? = nil, commitError: (any Error)? = nil, rollbackError: (any Error)? = nil
    ) {
        self.beginError = beginError
        self.closureError = closureError
        self.commitError = commitError
        self.rollbackError = rollbackError
    }

    public var description: String {
        let parts: [(String, (any Error)?)] = [
            ("BEGIN", beginError), ("transaction", closureError), ("COMMIT", commitError), ("ROLLBACK", rollbackError),
        ]
        return parts.compactMap { name, error in error.map { "\(name) failed: \(postgresReason($0))" } }.joined(separator: "; ")
    }
}

/// BEGIN, the body, then COMMIT or ROLLBACK, as PostgresNIO's `withTransaction` does, except
/// that no statement is sent on a connection already closed (PostgresNIO 1.33.2 would lose it
/// and never return; `ConnectionCloseWatch`): a closed connection's transaction was rolled back
/// by the server, so its ROLLBACK is skipped and the body's error comes out.
enum DatabaseTransaction {
    static func run<Result>(
        on connection: PostgresConnection, logger: Logger, commitMark: SentMark?, _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        do {
            guard !connection.isClosed else { throw DatabaseConnectionClosed() }
            try await connection.query("BEGIN", logger: logger)
        } catch {
            throw DatabaseTransactionError(beginError: error)
        }
        let value: Result
        do {
            value = try await body(connection)
        } catch {
            guard !connection.isClosed else { throw error }
            do {
                try await connection.query("ROLLBACK", logger: logger)
            } catch let rollbackError {
                throw DatabaseTransactionError(closureError: error, rollbackError: rollbackError)
            }
            throw error
        }
        // Not sent, so rolled back by the server: the body's kind of failure, not an unknown outcome.
        guard !connection.isClosed else { throw DatabaseConnectionClosed() }
        commitMark?.markSent()
        do {
            try await connection.query("COMMIT", logger: logger)
        } catch {
            throw DatabaseTransactionError(commitError: error)
        }
        return value
    }
}
