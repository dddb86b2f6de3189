import Foundation
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import Persistence

/// A connection the server ends in the middle of a transaction (a backend terminated, PostgreSQL
/// restarted): PostgresNIO 1.33.2 loses any request written to it afterwards and never returns
/// (ConnectionCloseWatch.swift), so the transaction helpers must not write to it, and the one that
/// races its connection's close must answer at once.
@Suite struct ClosedConnectionTests {
    let logger = TestServices.logger

    @Test func aTransactionWhoseBackendIsTerminatedFailsInsteadOfWaitingOnItsRollback() async throws {
        try await TestDatabase.withEmpty { database in
            let outcome = try await Self.settled {
                try await database.withTransaction(logger: TestServices.logger) { connection in
                    do {
                        _ = try await connection.query("SELECT pg_terminate_backend(pg_backend_pid())", logger: TestServices.logger)
                            .collect()
                    } catch {
                        // The rollback comes once the connection is wholly closed, as it does when the body is slower.
                        while !connection.isClosed { try await Task.sleep(for: .milliseconds(10)) }
                        throw error
                    }
                }
            }
            #expect(outcome == "failed", "\(outcome)")
            // The pool goes on with a fresh connection.
            try await database.ping(logger: logger)
        }
    }

    @Test func aRacedTransactionFailsAsSoonAsItsConnectionClosesBetweenTwoStatements() async throws {
        try await TestDatabase.withEmpty { database in
            let outcome = try await Self.settled {
                try await database.withTransactionFailingOnClose(logger: TestServices.logger) { connection in
                    var pid: Int32 = 0
                    for try await value in try await connection.query("SELECT pg_backend_pid()", logger: TestServices.logger).decode(
                        Int32.self)
                    {
                        pid = value
                    }
                    try await database.withConnection { other in
                        _ = try await other.query("SELECT pg_terminate_backend(\(pid))", logger: TestServices.logger).collect()
                    }
                    while !connection.isClosed { try await Task.sleep(for: .milliseconds(10)) }
                    // Lost by PostgresNIO: without the race, this would never return.
                    _ = try await connection.query("SELECT 1", logger: TestServices.logger).collect()
                }
            }
            #expect(outcome == "failed: the database connection closed", "\(outcome)")
        }
    }

    /// "ok" or "failed: …" once `work` ends, or "still waiting" after 20 s, leaving it behind:
    /// a hang is the failure these tests look for, and an await on a lost request cannot be cancelled.
    static func settled(_ work: @escaping @Sendable () async throws -> Void) async throws -> String {
        let outcome = Mutex<String?>(nil)
        Task {
            do {
                try await work()
                outcome.withLock { $0 = "ok" }
            } catch {
                outcome.withLock { $0 = "failed" + ((error as? DatabaseConnectionClosed).map { ": \($0)" } ?? "") }
            }
        }
        for _ in 0..<400 {
            if let settled = outcome.withLock({ $0 }) { return settled }
            try await Task.sleep(for: .milliseconds(50))
        }
        return "still waiting"
    }
}
