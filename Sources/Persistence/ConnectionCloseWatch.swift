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

    private struct State {
        var nextToken: UInt64 = 0
        /// Per watched connection, what to call when it closes, by token.
        var watches: [ObjectIdentifier: [UInt64: @Sendable () -> Void]] = [:]
    }
    private let state = Mutex(State())

    /// Calls `onClose` once when `connection` closes (at once if it has) unless `cancel(_:)` came
    /// first. Returns the token for `cancel(_:)`.
    func watch(_ connection: PostgresConnection, onClose: @escaping @Sendable () -> Void) -> UInt64 {
        let connectionID = ObjectIdentifier(connection)
        let (token, isFirst) = state.withLock { state in
            state.nextToken += 1
            let isFirst = state.watches[connectionID] == nil
            state.watches[connectionID, default: [:]][state.nextToken] = onClose
            return (state.nextToken, isFirst)
        }
        if isFirst {
            connection.closeFuture.whenComplete { _ in
                let closed = self.state.withLock { $0.watches.removeValue(forKey: connectionID) } ?? [:]
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
        state.withLock { state in
            guard state.watches[connectionID] != nil else { return }
            state.watches[connectionID]?[token] = nil
        }
    }

    /// `work`'s result, or `DatabaseConnectionClosed` as soon as `connection` closes before it
    /// ends. The work runs in a task of its own, which a close leaves suspended on the lost
    /// request; nothing waits for it.
    func race<T: Sendable>(_ connection: PostgresConnection, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Mutex<CheckedContinuation<T, any Error>?>(nil)
        let resume: @Sendable (Result<T, any Error>) -> Void = { result in
            outcome.withLock { continuation in
                continuation?.resume(with: result)
                continuation = nil
            }
        }
        return try await withCheckedThrowingContinuation { continuation in
            outcome.withLock { $0 = continuation }
            let token = watch(connection) { resume(.failure(DatabaseConnectionClosed())) }
            Task {
                let result = await Result(catching: work)
                self.cancel(token, of: connection)
                resume(result)
            }
        }
    }
}

extension Result where Failure == any Error {
    fileprivate init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
