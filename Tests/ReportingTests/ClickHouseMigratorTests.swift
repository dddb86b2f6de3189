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
