import PostgresNIO
import Schema
import TestSupport
import Testing

@testable import Persistence

@Suite struct PostgresMigratorTests {
    let logger = TestServices.logger

    @Test func migratesOnceThenAppliesNothing() async throws {
        try await TestDatabase.withEmpty { database in
            let migrator = PostgresMigrator(database: database, migrations: try .postgres(), logger: logger)
            #expect(try await migrator.pending().count == (try MigrationSet.postgres()).migrations.count)
            let applied = try await migrator.migrate()
            #expect(applied.count == (try MigrationSet.postgres()).migrations.count)
            #expect(try await migrator.migrate().isEmpty)
            #expect(try await migrator.pending().isEmpty)
        }
    }

    @Test func refusesWhenAnAppliedMigrationWasEditedAndNamesIt() async throws {
        try await TestDatabase.withEmpty { database in
            let original = try MigrationSet(
                engine: "postgres", migrations: [Migration(version: 1, name: "widgets", sql: "CREATE TABLE widgets (id int)")])
            try await PostgresMigrator(database: database, migrations: original, logger: logger).migrate()
            let edited = try MigrationSet(
                engine: "postgres",
                migrations: [
                    Migration(version: 1, name: "widgets", sql: "CREATE TABLE widgets (id bigint)"),
                    Migration(version: 2, name: "gadgets", sql: "CREATE TABLE gadgets (id int)"),
                ])
            await #expect(throws: MigrationError.edited(engine: "postgres", migration: "0001_widgets.sql")) {
                try await PostgresMigrator(database: database, migrations: edited, logger: logger).migrate()
            }
            let gadgets = try await database.withConnection { connection in
                try await connection.query("SELECT to_regclass('gadgets') IS NOT NULL", logger: logger).collect()
            }
            #expect(try gadgets.first?.decode(Bool.self) == false, "nothing is applied after a refusal")
        }
    }

    @Test func aFailingMigrationLeavesNoTraceAndIsNamed() async throws {
        try await TestDatabase.withEmpty { database in
            let set = try MigrationSet(
                engine: "postgres",
                migrations: [Migration(version: 1, name: "half", sql: "CREATE TABLE half (id int); SELECT no_such_function();")])
            do {
                try await PostgresMigrator(database: database, migrations: set, logger: logger).migrate()
                Issue.record("a failing migration was applied")
            } catch let error as MigrationError {
                guard case .failed(_, let migration, let reason) = error else { throw error }
                #expect(migration == "0001_half.sql")
                #expect(reason.contains("no_such_function"))
            }
            let rows = try await database.withConnection { connection in
                try await connection.query("SELECT to_regclass('half') IS NULL, (SELECT count(*) FROM schema_migrations)", logger: logger)
                    .collect()
            }
            let (absent, recorded) = try rows[0].decode((Bool, Int).self)
            #expect(absent)
            #expect(recorded == 0)
        }
    }

    @Test func concurrentRunnersApplyEachMigrationOnce() async throws {
        try await TestDatabase.withEmpty { database in
            let migrations = try MigrationSet.postgres()
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask { try await PostgresMigrator(database: database, migrations: migrations, logger: logger).migrate().count }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.reduce(0, +) == migrations.migrations.count)
        }
    }
}
