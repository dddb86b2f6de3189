import Foundation
import Logging
import PostgresNIO

/// The one PostgreSQL session a process holds its leases' advisory locks on (`AdvisoryLease`):
/// a connection of its own, outside the pool, so that requests never wait for it and the pool's
/// shutdown never waits for a leased job. It is open while the process holds a lease (and for
/// the moment of each try), and named `croupier leases pid <pid>` in `pg_stat_activity`.
///
/// Every reopening starts a new generation: a lock taken in an earlier one went with its
/// session, so a lease that asks about an older generation is told its lock is gone.
public actor LeaseSession {
    private let url: DatabaseURL
    private let logger: Logger
    /// How long a query may take before the session counts as gone.
    private let bound: Duration
    private var connection: PostgresConnection?
    private var opening: Task<PostgresConnection, any Error>?
    private var generation = 0
    private var held: Set<Int64> = []

    public init(database: Database, logger: Logger, bound: Duration = .seconds(10)) {
        self.url = database.url
        self.logger = logger
        self.bound = bound
    }

    /// The session's `pg_stat_activity.application_name`.
    public nonisolated var applicationName: String { "croupier leases pid \(ProcessInfo.processInfo.processIdentifier)" }

    /// Takes the lock `key` if it is free: the generation of the session that holds it now, or nil
    /// when another session holds it.
    func tryLock(_ key: Int64) async throws -> Int? {
        let connection = try await open()
        let answer = await ask(connection, "SELECT pg_try_advisory_lock(\(key))")
        // Another lease may have dropped the session meanwhile; a lock taken on it went with it.
        guard self.connection === connection else { throw LeaseError(problem: "the lease session ended while taking the lock") }
        switch answer {
        case .answered(true):
            held.insert(key)
            return generation
        case .answered:
            if held.isEmpty { drop() }
            return nil
        case .failed(let problem):
            drop()
            throw LeaseError(problem: problem)
        }
    }

    /// Gives `key` back, and closes the session when it holds nothing else.
    func unlock(_ key: Int64, generation taken: Int) async {
        guard taken == generation, let connection, held.remove(key) != nil else { return }
        if case .failed = await ask(connection, "SELECT pg_advisory_unlock(\(key))") {
            if taken == generation { drop() }
        } else if held.isEmpty, taken == generation {
            drop()
        }
    }

    /// Nil while the session of generation `taken` answers; else why not. A session that stopped
    /// answering is closed: the server then ends it and frees its locks.
    func check(_ taken: Int) async -> String? {
        guard taken == generation, let connection else { return "its session ended" }
        guard case .failed(let problem) = await ask(connection, "SELECT 1") else { return nil }
        if taken == generation { drop() }
        return problem
    }

    /// The open session, opening one if there is none; leases asking while it is being opened
    /// wait for that one, and the first of them to resume makes it the session.
    private func open() async throws -> PostgresConnection {
        if let connection {
            if !connection.isClosed { return connection }
            drop()
        }
        let task: Task<PostgresConnection, any Error>
        if let opening {
            task = opening
        } else {
            task = Task { [url, applicationName, logger, generation] in
                try await PostgresConnection.connect(
                    configuration: try url.connectionConfiguration(applicationName: applicationName), id: generation + 1, logger: logger)
            }
            opening = task
        }
        let opened: PostgresConnection
        do {
            opened = try await task.value
        } catch {
            if opening == task { opening = nil }
            throw error
        }
        if opening == task {
            opening = nil
            generation += 1
            connection = opened
        }
        return opened
    }

    /// Forgets the session and its locks and closes it.
    private func drop() {
        held.removeAll()
        guard let closing = connection else { return }
        connection = nil
        generation += 1
        Task { try? await closing.close() }
    }

    enum Answer: Sendable {
        /// The first column of the first row, when it is a boolean.
        case answered(Bool?)
        case failed(String)
    }

    /// Runs `query`, giving up after `bound`. PostgresNIO never completes a query sent on a
    /// connection that has closed, so a closed one is not asked, and the query runs in a task of
    /// its own (which a cancelled caller does not cancel) that is left behind when it does not
    /// answer in time.
    private func ask(_ connection: PostgresConnection, _ query: PostgresQuery) async -> Answer {
        if connection.isClosed { return .failed("the lease session closed") }
        let bound = self.bound
        let (answers, answer) = AsyncStream<Answer>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let running = Task { [logger] in
            do {
                let rows = try await connection.query(query, logger: logger).collect()
                answer.yield(.answered(try? rows.first?.decode(Bool.self)))
            } catch {
                answer.yield(.failed(postgresReason(error)))
            }
        }
        let timer = Task {
            try? await Task.sleep(for: bound)
            answer.yield(.failed("no answer within \(bound)"))
        }
        let outcome = await Task {
            for await outcome in answers { return outcome }
            return .failed("cancelled")
        }.value
        timer.cancel()
        running.cancel()
        answer.finish()
        return outcome
    }
}

struct LeaseError: Error, CustomStringConvertible {
    let problem: String
    var description: String { problem }
}
