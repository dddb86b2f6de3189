import Foundation
import PostgresNIO
import Synchronization
import TestSupport
import Testing

@testable import Persistence

/// Two processes are played by two leases of the same name on one database, each with sessions
/// of its own, as two copies of `serve` would have.
@Suite struct AdvisoryLeaseTests {
    let logger = TestServices.logger

    @Test func aSecondHolderDoesNotRunWhileTheFirstHoldsAndTakesOverWhenItStops() async throws {
        try await TestDatabase.withEmpty { database in
            let journal = Journal()
            let first = lease("settle-a", database, journal, as: "first")
            let second = lease("settle-a", database, journal, as: "second")

            let firstTask = Task { try await first.run { try await journal.work(as: "first") } }
            try await journal.wait("the first holder to run") { $0.contains("first running") }
            let secondTask = Task { try await second.run { try await journal.work(as: "second") } }
            try await journal.wait("the second to be refused three times") { $0.filter { $0 == "second refused" }.count >= 3 }
            #expect(!journal.entries.contains("second running"), "the second ran while the first held the lease")
            #expect(try await holders(of: first, in: database) == 1)

            firstTask.cancel()
            _ = try? await firstTask.value
            try await journal.wait("the second to take over") { $0.contains("second running") }
            let entries = journal.entries
            let stopped = try #require(entries.firstIndex(of: "first stopped"))
            let takenOver = try #require(entries.firstIndex(of: "second running"))
            #expect(stopped < takenOver, "the second ran before the first's job stopped: \(entries)")
            #expect(entries.contains("first released"))
            #expect(try await holders(of: second, in: database) == 1)

            secondTask.cancel()
            _ = try? await secondTask.value
            #expect(try await holders(of: second, in: database) == 0)
        }
    }

    /// A holder whose session ends (its process killed, its connection cut) loses the lease: its
    /// job is stopped and another process takes over.
    @Test func aHolderWhoseConnectionIsCutStopsItsJobAndAnotherTakesOver() async throws {
        try await TestDatabase.withEmpty { database in
            let journal = Journal()
            // The first, once it lost the lease, waits long before trying again: the second takes over.
            let first = lease("sweep-b", database, journal, as: "first", retry: .seconds(3600))
            let second = lease("sweep-b", database, journal, as: "second")

            let firstTask = Task { try await first.run { try await journal.work(as: "first") } }
            try await journal.wait("the first holder to run") { $0.contains("first running") }
            let secondTask = Task { try await second.run { try await journal.work(as: "second") } }
            try await journal.wait("the second to be refused") { $0.contains("second refused") }

            let cut = try await database.withConnection { connection in
                try await connection.query(
                    """
                    SELECT count(pg_terminate_backend(l.pid)) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                     WHERE l.locktype = 'advisory' AND l.granted AND ((l.classid::bigint << 32) | l.objid::bigint) = \(first.key)
                       AND a.application_name LIKE 'croupier leases pid %' AND a.datname = current_database()
                    """, logger: logger
                ).collect()
            }
            #expect(try cut.first?.decode(Int.self) == 1, "one lease session held the lock")

            try await journal.wait("the first to notice and stop its job") { $0.contains("first lost") && $0.contains("first stopped") }
            try await journal.wait("the second to take over") { $0.contains("second running") }
            #expect(try await holders(of: second, in: database) == 1)

            secondTask.cancel()
            firstTask.cancel()
            _ = try? await secondTask.value
            _ = try? await firstTask.value
        }
    }

    /// One process holds all its leases on one session, and gives each back on its own.
    @Test func aProcessHoldsItsLeasesOnOneSession() async throws {
        try await TestDatabase.withEmpty { database in
            let journal = Journal()
            let session = LeaseSession(database: database, logger: logger)
            let sweep = AdvisoryLease(
                name: "sweep-c", session: session, logger: logger, retryInterval: .milliseconds(50), checkInterval: .milliseconds(50),
                observe: { journal.add("sweep \($0)") })
            let settle = AdvisoryLease(
                name: "settle-c", session: session, logger: logger, retryInterval: .milliseconds(50), checkInterval: .milliseconds(50),
                observe: { journal.add("settle \($0)") })
            let sweeping = Task { try await sweep.run { try await journal.work(as: "sweep") } }
            let settling = Task { try await settle.run { try await journal.work(as: "settle") } }
            try await journal.wait("both jobs to run") { $0.contains("sweep running") && $0.contains("settle running") }
            #expect(try await sessions(holding: [sweep, settle], in: database) == 1)

            sweeping.cancel()
            _ = try? await sweeping.value
            #expect(try await holders(of: sweep, in: database) == 0)
            #expect(try await holders(of: settle, in: database) == 1, "giving one lease back kept the other")
            settling.cancel()
            _ = try? await settling.value
            #expect(try await holders(of: settle, in: database) == 0)
        }
    }

    @Test func keysAreStableAndApartFromTheMigrationLock() {
        #expect(AdvisoryLease.key(for: "identity-housekeeping") == AdvisoryLease.key(for: "identity-housekeeping"))
        #expect(AdvisoryLease.key(for: "identity-housekeeping") != AdvisoryLease.key(for: "originals-settlement"))
        #expect(AdvisoryLease.key(for: "identity-housekeeping") != PostgresMigrator.advisoryLockKey)
    }

    // MARK: - Helpers

    /// A lease of a process of its own (its own `LeaseSession`).
    func lease(
        _ name: String, _ database: Database, _ journal: Journal, as holder: String, retry: Duration = .milliseconds(50)
    ) -> AdvisoryLease {
        AdvisoryLease(
            name: name, session: LeaseSession(database: database, logger: logger), logger: logger, retryInterval: retry,
            checkInterval: .milliseconds(50),
            observe: { event in journal.add("\(holder) \(event)") })
    }

    /// Sessions holding any of the leases' advisory locks.
    func sessions(holding leases: [AdvisoryLease], in database: Database) async throws -> Int {
        let keys = leases.map(\.key)
        let rows = try await database.withConnection { connection in
            try await connection.query(
                """
                SELECT count(DISTINCT pid) FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND ((classid::bigint << 32) | objid::bigint) = ANY(\(keys))
                """, logger: logger
            ).collect()
        }
        return try rows.first?.decode(Int.self) ?? 0
    }

    /// Sessions holding the lease's advisory lock.
    func holders(of lease: AdvisoryLease, in database: Database) async throws -> Int {
        let rows = try await database.withConnection { connection in
            try await connection.query(
                """
                SELECT count(*) FROM pg_locks
                 WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                   AND ((classid::bigint << 32) | objid::bigint) = \(lease.key)
                """, logger: logger
            ).collect()
        }
        return try rows.first?.decode(Int.self) ?? 0
    }
}

/// What the leases and their jobs did, in order.
final class Journal: Sendable {
    private let list = Mutex<[String]>([])

    var entries: [String] { list.withLock { $0 } }

    func add(_ entry: String) {
        list.withLock { $0.append(entry) }
    }

    /// A job that runs until it is cancelled.
    func work(as holder: String) async throws {
        add("\(holder) running")
        do {
            try await Task.sleep(for: .seconds(3600))
        } catch {
            add("\(holder) stopped")
            throw error
        }
    }

    /// Waits for `condition`; the bound only catches a hang.
    func wait(_ what: String, bound: Duration = .seconds(120), _ condition: ([String]) -> Bool) async throws {
        let deadline = ContinuousClock.now + bound
        while !condition(entries) {
            if ContinuousClock.now > deadline {
                Issue.record("waited \(bound) for \(what); journal: \(entries)")
                throw CancellationError()
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
