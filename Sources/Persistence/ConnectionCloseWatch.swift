import NIOCore
import PostgresNIO
import Synchronization

/// The connection is closed: the server ended it (a backend terminated, PostgreSQL restarted) or
/// the client did. What was in flight on it has no answer.
public struct DatabaseConnectionClosed: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "the database connection closed" }
}

/// PostgresNIO 1.33.2 loses a request written to a connection whose channel has closed: the
/// request never reaches the protocol handler and its `await` never returns
/// (`ClosedConnectionTests`). A transaction whose connection closes between two statements would
/// hang on the next one, holding its caller (a shard of group commit: every later call of its
/// players) for good. This watch lets a caller race its work against the connection's close.
///
/// A connection's close future gets one callback, on the first watch of that connection; watches
/// come and go in a table, so a long-lived connection does not collect a callback per use.
final class ConnectionCloseWatch: Sendable {
    static let shared = ConnectionCloseWatch()

    private struct Watched {
        /// Held so that its address, the table's key, is not reused while it is watched.
        let connection: PostgresConnection
        /// What to call when it closes, by token.
        var calls: [UInt64: @Sendable () -> Void] = [:]
    }

    private struct State {
        var nextToken: UInt64 = 0
        var watched: [ObjectIdentifier: Watched] = [:]
    }
    private let state = Mutex(State())

    /// Calls `onClose` once when `connection` closes (at once if it has) unless `cancel(_:)` came
    /// first. Returns the token for `cancel(_:)`.
    func watch(_ connection: PostgresConnection, onClose: @escaping @Sendable () -> Void) -> UInt64 {
        let connectionID = ObjectIdentifier(connection)
        let (token, isFirst) = state.withLock { state in
            state.nextToken += 1
            let isFirst = state.watched[connectionID] == nil
            state.watched[connectionID, default: Watched(connection: connection)].calls[state.nextToken] = onClose
            return (state.nextToken, isFirst)
        }
        if isFirst {
            connection.closeFuture.whenComplete { _ in
                let closed = self.state.withLock { $0.watched.removeValue(forKey: connectionID) }?.calls ?? [:]
                for call in closed.values { call() }
            }
        } else if connection.isClosed {
            cancel(token, of: connection)
            onClose()
        }
        return token
    }

    func cancel(_ token: UInt64, of connection: PostgresConnection) {
        let connectionID = ObjectIdentifier(connection)
        state.withLock { $0.watched[connectionID]?.calls[token] = nil }
    }

    /// `work`'s result, or `DatabaseConnectionClosed` as soon as `connection` closes before it
    /// ends. The work runs in a task of its own, cancelled with the caller, which a close leaves
    /// suspended on the lost request; nothing waits for it. A connection closed already gets no
    /// work at all.
    func race<T: Sendable>(_ connection: PostgresConnection, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Mutex<(continuation: CheckedContinuation<T, any Error>?, work: Task<Void, Never>?)>((nil, nil))
        let resume: @Sendable (Result<T, any Error>) -> Void = { result in
            outcome.withLock { outcome in
                outcome.continuation?.resume(with: result)
                outcome.continuation = nil
            }
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                outcome.withLock { $0.continuation = continuation }
                let token = watch(connection) { resume(.failure(DatabaseConnectionClosed())) }
                outcome.withLock { outcome in
                    guard outcome.continuation != nil else { return }
                    outcome.work = Task {
                        let result = await Result(catching: work)
                        self.cancel(token, of: connection)
                        resume(result)
                    }
                }
            }
        } onCancel: {
            outcome.withLock { $0.work }?.cancel()
        }
    }
}

extension Result where Failure == any Error {
    fileprivate init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
