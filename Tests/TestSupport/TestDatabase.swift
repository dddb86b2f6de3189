import Core
import Logging
import Persistence
import PostgresNIO
import Schema

/// Each test gets its own PostgreSQL database, cloned from a template migrated once per set of
/// migrations, so tests run in parallel without seeing each other's rows.
public enum TestDatabase {
    /// Runs `body` with a fresh, migrated database and its running pool; drops it afterwards.
    public static func with<T: Sendable>(_ body: (Database) async throws -> T) async throws -> T {
        let template = try await TemplateDatabase.shared.name()
        let name = TestServices.uniqueName("test")
        try await CloneQueue.shared.serially {
            try await TestServices.withMaintenanceConnection { connection in
                // Names are generated here from [a-z0-9_], never from input.
                try await createDatabase(name, template: template, on: connection)
            }
        }
        return try await run(in: name, maximumConnections: 70) { database in
            try await startIdentitiesApart(database)
            return try await body(database)
        }
    }

    /// Every clone of the template would number its rows (players, sessions, outbox events)
    /// from the same start, so two tests' player 100001 would be different people to any shared
    /// service that sees both. Each test database starts its identity sequences at its own
    /// random offset instead.
    static func startIdentitiesApart(_ database: Database) async throws {
        let offset = Int64.random(in: 1...1_000_000) * 1_000_000
        try await database.withConnection { connection in
            try await connection.query(
                """
                SELECT setval(format('%I.%I', schemaname, sequencename), \(offset) + coalesce(last_value, start_value))
                  FROM pg_sequences WHERE schemaname = 'public'
                """, logger: TestServices.logger
            ).collect()
        }
    }

    /// An empty database (no migrations), for tests of the migration runner itself.
    public static func withEmpty<T: Sendable>(_ body: (Database) async throws -> T) async throws -> T {
        let name = TestServices.uniqueName("test_empty")
        try await TestServices.withMaintenanceConnection { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: TestServices.logger).collect()
        }
        return try await run(in: name, maximumConnections: 4, body)
    }

    /// Runs `body` with a pool on the database `name`, then drops the database whatever happened.
    private static func run<T: Sendable>(in name: String, maximumConnections: Int, _ body: (Database) async throws -> T) async throws -> T {
        let database = Database(
            url: try TestServices.databaseURL().with(database: name), maximumConnections: maximumConnections, logger: TestServices.logger)
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await database.running { try await body(database) })
        } catch {
            outcome = .failure(error)
        }
        try await drop(name)
        return try outcome.get()
    }

    static func drop(_ name: String) async throws {
        try await TestServices.withMaintenanceConnection { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: TestServices.logger
            ).collect()
        }
    }

    /// CREATE DATABASE … TEMPLATE fails while another session is copying the same template.
    /// Within this process `CloneQueue` keeps that from happening; another test process (a second
    /// `swift test`) still can, and that is contention, not an error, so it is retried for as long
    /// as copies plausibly take.
    static func createDatabase(_ name: String, template: String, on connection: PostgresConnection) async throws {
        let deadline = ContinuousClock.now + .seconds(300)
        while true {
            do {
                try await connection.query(
                    PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template)"), logger: TestServices.logger
                ).collect()
                return
            } catch let error as PSQLError where error.sqlState == "55006" && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(Int.random(in: 20...200)))
            }
        }
    }
}

/// Copies of the template are made one at a time in this process. PostgreSQL refuses a second
/// copy of a template while one is under way (55006); with every test of a run starting at
/// once, retrying against each other left some tests out of attempts (CI failed three that way)
/// while a queue serves them all in turn.
actor CloneQueue {
    static let shared = CloneQueue()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func serially<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}

extension Database {
    /// Runs `body` while the pool runs, then stops the pool.
    public func running<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }
}

/// The migrated template, named after the migrations' checksums so that a changed migration
/// gets a new template. Built under an advisory lock and renamed into place when complete,
/// so a half-migrated template is never cloned.
actor TemplateDatabase {
    static let shared = TemplateDatabase()
    private var cached: String?

    func name() async throws -> String {
        if let cached { return cached }
        let migrations = try MigrationSet.postgres()
        let name = "croupier_tpl_\(migrations.fingerprint.prefix(16))"
        try await TestServices.withMaintenanceConnection { connection in
            try await Self.lockTemplateBuild(on: connection)
            let existing = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: TestServices.logger)
                .collect()
            if existing.isEmpty {
                let building = "\(name)_building"
                try await connection.query(
                    PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(building) WITH (FORCE)"), logger: TestServices.logger
                ).collect()
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(building)"), logger: TestServices.logger).collect()
                let database = Database(
                    url: try TestServices.databaseURL().with(database: building), maximumConnections: 2, logger: TestServices.logger)
                try await database.running {
                    try await PostgresMigrator(database: database, migrations: migrations, logger: TestServices.logger).migrate()
                }
                try await connection.query(
                    PostgresQuery(unsafeSQL: "ALTER DATABASE \(building) RENAME TO \(name)"), logger: TestServices.logger
                ).collect()
            }
            try await connection.query("SELECT pg_advisory_unlock(\(Self.lockKey))", logger: TestServices.logger).collect()
        }
        cached = name
        return name
    }

    /// Building the template once takes seconds; a wait far longer than that means a stray test
    /// process (one whose runner was killed) still holds the lock, so the wait is bounded and the
    /// failure names the holder.
    private static func lockTemplateBuild(on connection: PostgresConnection, bound: String = "300s") async throws {
        try await connection.query(PostgresQuery(unsafeSQL: "SET lock_timeout = '\(bound)'"), logger: TestServices.logger).collect()
        do {
            try await connection.query("SELECT pg_advisory_lock(\(Self.lockKey))", logger: TestServices.logger).collect()
        } catch let error as PSQLError where error.sqlState == "55P03" {
            throw TemplateLockHeld(bound: bound, holders: try await holders(on: connection))
        }
        try await connection.query("SET lock_timeout = 0", logger: TestServices.logger).collect()
    }

    private static func holders(on connection: PostgresConnection) async throws -> [String] {
        let rows = try await connection.query(
            """
            SELECT a.pid, coalesce(a.application_name, ''), coalesce(a.client_addr::text, 'local'), coalesce(a.client_port, 0),
                   coalesce(a.backend_start::text, '')
              FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.objid::bigint = \(Self.lockKey) AND l.granted
            """, logger: TestServices.logger)
        var holders: [String] = []
        for try await (pid, application, address, port, started) in rows.decode((Int32, String, String, Int32, String).self) {
            holders.append("PostgreSQL backend \(pid) for client \(address):\(port) '\(application)' connected since \(started)")
        }
        return holders
    }

    static let lockKey: Int64 = 7243
}

/// The template lock was not free within the bound.
struct TemplateLockHeld: Error, CustomStringConvertible {
    let bound: String
    let holders: [String]
    var description: String {
        "the test template lock (advisory \(TemplateDatabase.lockKey)) was not free within \(bound); held by "
            + (holders.isEmpty ? "nobody any more" : holders.joined(separator: "; "))
            + ". A test process left from an earlier run holds it: find it with `ss -tpn | grep <client port>` and stop it"
    }
}
