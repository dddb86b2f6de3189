import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Tracing

/// The PostgreSQL system of record: a connection pool plus the metrics an operator needs to
/// see it saturate, and a span per borrow inside a trace (`DatabaseSpan`). Run `client` as a
/// service; everything else borrows connections here.
public final class Database: Sendable {
    public let client: PostgresClient
    public let url: DatabaseURL
    public let maximumConnections: Int
    private let inUse: Meter
    private let acquireTimer: Metrics.Timer
    private let span: DatabaseSpan

    /// `tracer` is the process's tracer as it stands now, like AsyncHTTPClient's: `serve` and
    /// `worker` bootstrap theirs before they build the database.
    public init(url: DatabaseURL, maximumConnections: Int, logger: Logger, tracer: any Tracer = InstrumentationSystem.tracer) {
        self.url = url
        self.maximumConnections = maximumConnections
        self.client = PostgresClient(
            configuration: url.clientConfiguration(maximumConnections: maximumConnections), backgroundLogger: logger)
        self.inUse = Meter(label: "croupier_db_pool_connections_in_use")
        self.acquireTimer = Metrics.Timer(label: "croupier_db_pool_acquire_duration", preferredDisplayUnit: .seconds)
        Gauge(label: "croupier_db_pool_connections_max").record(maximumConnections)
        self.span = DatabaseSpan(tracer: tracer, url: url)
    }

    /// A pooled connection for `body`. The call site names the span (`DatabaseSpan`).
    public func withConnection<Result: Sendable>(
        function: String = #function, fileID: String = #fileID, line: UInt = #line,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await span.run(.connection, .init(function: function, fileID: fileID, line: line)) { try await borrow(body) }
    }

    /// As `withConnection`, except that when the connection closes before `body` ends, it fails
    /// at once with `DatabaseConnectionClosed` instead of waiting on a request the closed
    /// connection lost (`ConnectionCloseWatch`). The body runs in a task of its own, hence
    /// `@Sendable`; the ledger's calls go this way.
    public func withConnectionFailingOnClose<Result: Sendable>(
        function: String = #function, fileID: String = #fileID, line: UInt = #line,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await span.run(.connection, .init(function: function, fileID: fileID, line: line)) {
            try await borrow { connection in try await ConnectionCloseWatch.shared.race(connection) { try await body(connection) } }
        }
    }

    /// A pooled connection, refused when it closed before the pool learnt of it: a request
    /// written to it would never return (`ConnectionCloseWatch`). Nothing was written to a refused
    /// one, so the lease is tried again a moment later: a backend terminated or a PostgreSQL
    /// restart leaves closed connections idle in the pool until it has handled their close.
    private func borrow<Result: Sendable>(_ body: (PostgresConnection) async throws -> Result) async throws -> Result {
        let requested = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in
                    guard !connection.isClosed else { throw ClosedWhenLeased() }
                    acquireTimer.recordInterval(since: requested)
                    inUse.increment()
                    defer { inUse.decrement() }
                    return try await body(connection)
                }
            } catch is ClosedWhenLeased {
                guard attempt < Self.leaseAttempts else { throw DatabaseConnectionClosed() }
                try await Task.sleep(for: .milliseconds(attempt))
            }
        }
    }

    /// Leases of a closed connection before `borrow` gives up: 45 ms of pauses in all.
    static let leaseAttempts = 10

    private struct ClosedWhenLeased: Error {}

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    /// The body's own error comes out as it was thrown once the rollback succeeded (or the
    /// connection closed, which rolled it back); otherwise a `DatabaseTransactionError`.
    public func withTransaction<Result: Sendable>(
        logger: Logger, function: String = #function, fileID: String = #fileID, line: UInt = #line,
        _ body: (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await span.run(.transaction, .init(function: function, fileID: fileID, line: line)) {
            try await borrow { connection in
                try await DatabaseTransaction.run(on: connection, logger: logger, commitMark: nil, body)
            }
        }
    }

    /// As `withTransaction`, except that when the connection closes before the transaction ends,
    /// it fails at once instead of waiting on a request the closed connection lost
    /// (`ConnectionCloseWatch`): with `DatabaseConnectionClosed` before COMMIT was sent (the
    /// server rolled back), or a `DatabaseTransactionError` whose `commitError` it is after (the
    /// outcome is unknown). The body runs in a task of its own, hence `@Sendable`.
    public func withTransactionFailingOnClose<Result: Sendable>(
        logger: Logger, function: String = #function, fileID: String = #fileID, line: UInt = #line,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        try await span.run(.transaction, .init(function: function, fileID: fileID, line: line)) {
            try await borrow { connection in
                let commitMark = SentMark()
                do {
                    return try await ConnectionCloseWatch.shared.race(connection) {
                        try await DatabaseTransaction.run(on: connection, logger: logger, commitMark: commitMark, body)
                    }
                } catch let error as DatabaseConnectionClosed {
                    guard commitMark.isSent else { throw error }
                    throw DatabaseTransactionError(commitError: error)
                }
            }
        }
    }

    /// A trivial round trip, for readiness checks.
    public func ping(logger: Logger, function: String = #function, fileID: String = #fileID, line: UInt = #line) async throws {
        try await withConnection(function: function, fileID: fileID, line: line) { connection in
            _ = try await connection.query("SELECT 1", logger: logger).collect()
        }
    }
}

extension Metrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let (seconds, attoseconds) = elapsed.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

/// What went wrong, in the server's words where it gave any; PSQLError's own description is
/// deliberately generic so it cannot leak query text into responses.
public func postgresReason(_ error: any Error) -> String {
    switch error {
    case let error as PSQLError: error.serverMessage
    case let error as DatabaseTransactionError:
        error.closureError.map(postgresReason) ?? error.beginError.map(postgresReason) ?? error.commitError.map(postgresReason)
            ?? "\(error)"
    default: "\(error)"
    }
}

extension PSQLError {
    public var serverMessage: String {
        serverInfo?[.message] ?? "\(code)"
    }

    public var sqlState: String? { serverInfo?[.sqlState] }
}
