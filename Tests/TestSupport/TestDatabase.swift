import Core
import Logging
import Persistence
import PostgresNIO

/// Each test gets its own PostgreSQL database, cloned from a template migrated once per set of
/// migrations, so tests run in parallel without seeing each other's rows.
public enum TestDatabase {
    /// Runs `body` with a fresh, migrated database and its running pool; drops it afterwards.
    public static func with<T: Sendable>(_ body: (Database) async throws -> T) async throws -> T {
        let template = try await TemplateDatabase.shared.name()
        let name = TestServices.uniqueName("test")
        try await TestServices.withMaintenanceConnection { connection in
            // Names are generated here from [a-z0-9_], never from input.
            try await createDatabase(name, template: template, on: connection)
        }
        return try await run(in: name, maximumConnections: 70, body)
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
        let database = Database(url: try TestServices.databaseURL().with(database: name), maximumConnections: maximumConnections, logger: TestServices.logger)
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
            try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"), logger: TestServices.logger).collect()
        }
    }

    /// CREATE DATABASE … TEMPLATE fails while another session is copying the same template;
    /// that is contention, not an error, so it is retried.
    static func createDatabase(_ name: String, template: String, on connection: PostgresConnection) async throws {
        for attempt in 1... {
            do {
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name) TEMPLATE \(template)"), logger: TestServices.logger).collect()
                return
            } catch let error as PSQLError where error.sqlState == "55006" && attempt < 50 {
                try await Task.sleep(for: .milliseconds(20 * attempt))
            }
        }
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
            try await connection.query("SELECT pg_advisory_lock(7243)", logger: TestServices.logger).collect()
            let existing = try await connection.query("SELECT 1 FROM pg_database WHERE datname = \(name)", logger: TestServices.logger).collect()
            if existing.isEmpty {
                let building = "\(name)_building"
                try await connection.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(building) WITH (FORCE)"), logger: TestServices.logger).collect()
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(building)"), logger: TestServices.logger).collect()
                let database = Database(url: try TestServices.databaseURL().with(database: building), maximumConnections: 2, logger: TestServices.logger)
                try await database.running {
                    try await PostgresMigrator(database: database, migrations: migrations, logger: TestServices.logger).migrate()
                }
                try await connection.query(PostgresQuery(unsafeSQL: "ALTER DATABASE \(building) RENAME TO \(name)"), logger: TestServices.logger).collect()
            }
            try await connection.query("SELECT pg_advisory_unlock(7243)", logger: TestServices.logger).collect()
        }
        cached = name
        return name
    }
}
