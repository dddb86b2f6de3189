import Logging
import Persistence

/// Applies ClickHouse migrations. ClickHouse has no transactions, so each statement of a file
/// must be idempotent (IF NOT EXISTS, or one `ADD COLUMN` per `ALTER`);
/// the history row is written only after every statement of a migration succeeded.
public struct ClickHouseMigrator: Sendable {
    public let client: ClickHouseClient
    public let migrations: MigrationSet
    public let logger: Logger

    public init(client: ClickHouseClient, migrations: MigrationSet, logger: Logger) {
        self.client = client
        self.migrations = migrations
        self.logger = logger
    }

    public func pending() async throws -> [Migration] {
        try await migrations.pending(given: applied())
    }

    @discardableResult
    public func migrate() async throws -> [Migration] {
        if let database = client.endpoint.database {
            // The name was checked to be [A-Za-z0-9_]+ when the URL was parsed.
            try await client.execute("CREATE DATABASE IF NOT EXISTS \(database)", database: .some(nil))
        }
        try await client.execute(
            """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version UInt32, name String, checksum String, applied_at DateTime('UTC')
            ) ENGINE = MergeTree() ORDER BY version
            """)
        let pending = try await migrations.pending(given: applied())
        for migration in pending {
            for statement in SQLStatementSplitter.split(migration.sql) {
                do {
                    try await client.execute(statement)
                } catch let error as ClickHouseError where Self.addsExistingColumn(statement, error) {
                    logger.notice("column already added", metadata: ["migration": "\(migration.fileName)", "reason": "\(error)"])
                } catch let error as ClickHouseError {
                    throw MigrationError.failed(engine: migrations.engine, migration: migration.fileName, reason: error.description)
                }
            }
            // Versions are integers and names [a-z0-9_]+ (MigrationSet checks), checksums hex.
            try await client.execute(
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (\(migration.version), '\(migration.name)', '\(migration.checksum)', now())"
            )
            logger.info("applied migration", metadata: ["engine": "clickhouse", "migration": "\(migration.fileName)"])
        }
        return pending
    }

    /// An `ALTER TABLE … ADD COLUMN` (one column) refused because the column exists: a re-run of a
    /// migration interrupted after it. ClickHouse 18.16 has no `ADD COLUMN IF NOT EXISTS`; it
    /// answers code 44, current versions 15 (`DUPLICATE_COLUMN`), both saying "already exists".
    static func addsExistingColumn(_ statement: String, _ error: ClickHouseError) -> Bool {
        guard case .server(_, let message) = error else { return false }
        let words = statement.split(whereSeparator: \.isWhitespace).map { $0.uppercased() }
        let addsOneColumn =
            words.count > 5 && words[0] == "ALTER" && words[1] == "TABLE" && words[3] == "ADD" && words[4] == "COLUMN"
            && !statement.contains(",")
        return addsOneColumn && message.contains("already exists") && (message.hasPrefix("Code: 44,") || message.hasPrefix("Code: 15,"))
    }

    private func applied() async throws -> [AppliedMigration] {
        let exists = try await client.execute("EXISTS TABLE schema_migrations").trimmingCharacters(in: .whitespacesAndNewlines)
        guard exists == "1" else { return [] }
        let text = try await client.execute("SELECT version, name, checksum FROM schema_migrations ORDER BY version FORMAT TabSeparated")
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 3, let version = Int(fields[0]) else { return nil }
            return AppliedMigration(version: version, name: String(fields[1]), checksum: String(fields[2]))
        }
    }
}
