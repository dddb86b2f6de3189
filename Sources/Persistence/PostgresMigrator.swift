import Logging
import PostgresNIO

/// Applies PostgreSQL migrations: each in its own transaction together with its history row,
/// under an advisory lock so that two processes starting at once never both migrate.
public struct PostgresMigrator: Sendable {
    public let database: Database
    public let migrations: MigrationSet
    public let logger: Logger

    /// Arbitrary constant that names "the migration lock" among advisory locks.
    static let advisoryLockKey: Int64 = 0x4352_4F55_5049_4552

    public init(database: Database, migrations: MigrationSet, logger: Logger) {
        self.database = database
        self.migrations = migrations
        self.logger = logger
    }

    /// Pending migrations, or an error when history and code disagree. Applies nothing.
    public func pending() async throws -> [Migration] {
        try await database.withConnection { connection in
            try await migrations.pending(given: applied(on: connection))
        }
    }

    /// Applies what is pending and returns it.
    @discardableResult
    public func migrate() async throws -> [Migration] {
        try await database.withConnection { connection in
            try await connection.query("SELECT pg_advisory_lock(\(Self.advisoryLockKey))", logger: logger).collect()
            do {
                let applied = try await apply(on: connection)
                try await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger).collect()
                return applied
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.advisoryLockKey))", logger: logger).collect()
                throw error
            }
        }
    }

    private func apply(on connection: PostgresConnection) async throws -> [Migration] {
        try await connection.query(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version integer PRIMARY KEY,
                name text NOT NULL,
                checksum text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, logger: logger
        ).collect()
        let pending = try await migrations.pending(given: applied(on: connection))
        for migration in pending {
            do {
                try await connection.withTransaction(logger: logger) { connection in
                    for statement in SQLStatementSplitter.split(migration.sql) {
                        // The text comes from the build's own migration files, never from input.
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).collect()
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                        logger: logger
                    ).collect()
                }
            } catch {
                throw MigrationError.failed(engine: migrations.engine, migration: migration.fileName, reason: postgresReason(error))
            }
            logger.info("applied migration", metadata: ["engine": "postgres", "migration": "\(migration.fileName)"])
        }
        return pending
    }

    private func applied(on connection: PostgresConnection) async throws -> [AppliedMigration] {
        let existence = try await connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL", logger: logger)
        for try await exists in existence.decode(Bool.self) where !exists { return [] }
        let rows = try await connection.query("SELECT version, name, checksum FROM schema_migrations ORDER BY version", logger: logger)
        var applied: [AppliedMigration] = []
        for try await (version, name, checksum) in rows.decode((Int, String, String).self) {
            applied.append(AppliedMigration(version: version, name: name, checksum: checksum))
        }
        return applied
    }
}
