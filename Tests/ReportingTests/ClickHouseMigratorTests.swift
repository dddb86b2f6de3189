import Persistence
import Schema
import TestSupport
import Testing

@testable import Reporting

@Suite struct ClickHouseMigratorTests {
    @Test func migratesOnceThenAppliesNothing() async throws {
        try await TestClickHouse.with(migrated: false) { client in
            let migrator = ClickHouseMigrator(client: client, migrations: try .clickHouse(), logger: TestServices.logger)
            #expect(try await migrator.migrate().count == (try MigrationSet.clickHouse()).migrations.count)
            #expect(try await migrator.migrate().isEmpty)
            let tables = try await client.execute("SHOW TABLES FORMAT TabSeparated")
            #expect(tables.contains("events"))
        }
    }

    /// A migration interrupted after its statements and before its history row runs again from
    /// its start: every statement, the `ADD COLUMN`s of 0004 included, must take that.
    @Test func everyMigrationRunsAgainAfterItsHistoryIsLost() async throws {
        try await TestClickHouse.with(migrated: false) { client in
            let migrator = ClickHouseMigrator(client: client, migrations: try .clickHouse(), logger: TestServices.logger)
            try await migrator.migrate()
            try await client.execute("DROP TABLE schema_migrations")
            #expect(try await migrator.migrate().count == (try MigrationSet.clickHouse()).migrations.count)
            let columns = try await client.execute(
                "SELECT name FROM system.columns WHERE database = currentDatabase() AND table = 'money_movements' AND (name LIKE 'pivot_%' OR name = 'house') FORMAT TabSeparated"
            )
            #expect(columns.split(separator: "\n").count == 6)
        }
    }

    @Test func anAddColumnStatementIsDoneOnlyWhenItsColumnExists() {
        let exists = ClickHouseError.server(
            status: 500, message: "Code: 44, e.displayText() = DB::Exception: Cannot add column b: column with this name already exists")
        #expect(ClickHouseMigrator.addsExistingColumn("ALTER TABLE t ADD COLUMN b Int64 DEFAULT 0", exists))
        #expect(ClickHouseMigrator.addsExistingColumn("alter table t add column b String", exists))
        #expect(!ClickHouseMigrator.addsExistingColumn("ALTER TABLE t ADD COLUMN b Int64, ADD COLUMN c Int64", exists), "two columns")
        #expect(!ClickHouseMigrator.addsExistingColumn("ALTER TABLE t DROP COLUMN b", exists))
        #expect(!ClickHouseMigrator.addsExistingColumn("CREATE TABLE t (b Int64) ENGINE = Memory", exists))
        let other = ClickHouseError.server(status: 500, message: "Code: 60, e.displayText() = DB::Exception: Table t doesn't exist")
        #expect(!ClickHouseMigrator.addsExistingColumn("ALTER TABLE t ADD COLUMN b Int64", other))
    }

    @Test func refusesAnEditedMigrationByName() async throws {
        try await TestClickHouse.with(migrated: false) { client in
            let original = try MigrationSet(
                engine: "clickhouse",
                migrations: [Migration(version: 1, name: "t", sql: "CREATE TABLE IF NOT EXISTS t (x UInt8) ENGINE = Memory")])
            try await ClickHouseMigrator(client: client, migrations: original, logger: TestServices.logger).migrate()
            let edited = try MigrationSet(
                engine: "clickhouse",
                migrations: [Migration(version: 1, name: "t", sql: "CREATE TABLE IF NOT EXISTS t (x UInt16) ENGINE = Memory")])
            await #expect(throws: MigrationError.edited(engine: "clickhouse", migration: "0001_t.sql")) {
                try await ClickHouseMigrator(client: client, migrations: edited, logger: TestServices.logger).migrate()
            }
        }
    }

    @Test func serverErrorsCarryClickHousesMessage() async throws {
        try await TestClickHouse.with { client in
            do {
                try await client.execute("SELECT no_such_column FROM events")
                Issue.record("a bad query succeeded")
            } catch let error as ClickHouseError {
                #expect(error.description.contains("no_such_column"))
            }
        }
    }
}
