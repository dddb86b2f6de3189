import Foundation
import Testing

@testable import Persistence

@Suite struct MigrationSetTests {
    let set = try! MigrationSet(
        engine: "postgres",
        migrations: [
            Migration(version: 1, name: "first", sql: "CREATE TABLE a (x int);"),
            Migration(version: 2, name: "second", sql: "CREATE TABLE b (x int);"),
        ])

    func record(_ migration: Migration, checksum: String? = nil) -> AppliedMigration {
        AppliedMigration(version: migration.version, name: migration.name, checksum: checksum ?? migration.checksum)
    }

    @Test func aFreshDatabaseHasEverythingPending() throws {
        #expect(try set.pending(given: []).map(\.version) == [1, 2])
    }

    @Test func appliedMigrationsAreNotPending() throws {
        #expect(try set.pending(given: [record(set.migrations[0])]).map(\.version) == [2])
        #expect(try set.pending(given: set.migrations.map { record($0) }).isEmpty)
    }

    @Test func anEditedMigrationIsRefusedByName() {
        #expect(throws: MigrationError.edited(engine: "postgres", migration: "0001_first.sql")) {
            try set.pending(given: [record(set.migrations[0], checksum: "0000")])
        }
    }

    @Test func aMigrationTheBuildLacksIsRefusedByName() {
        #expect(throws: MigrationError.unknownApplied(engine: "postgres", migration: "0007_elsewhere")) {
            try set.pending(given: [AppliedMigration(version: 7, name: "elsewhere", checksum: "x")])
        }
    }

    @Test func aNewMigrationNumberedBeforeAnAppliedOneIsRefused() {
        #expect(throws: MigrationError.outOfOrder(engine: "postgres", migration: "0001_first.sql", after: "0002_second.sql")) {
            try set.pending(given: [record(set.migrations[1])])
        }
    }

    @Test func duplicateVersionsAreRefused() {
        #expect(throws: MigrationError.duplicateVersion(3)) {
            try MigrationSet(
                engine: "postgres", migrations: [Migration(version: 3, name: "a", sql: ""), Migration(version: 3, name: "b", sql: "")])
        }
    }

    @Test(arguments: ["first.sql", "0001-first.sql", "0000_zero.sql", "0003_Bad-Name.sql"])
    func badFileNamesAreRefused(fileName: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "SELECT 1;".write(to: directory.appendingPathComponent(fileName), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.badFileName(fileName)) { try MigrationSet(engine: "postgres", directory: directory) }
    }

    @Test func theBundledMigrationsLoadInOrder() throws {
        for bundled in [try MigrationSet.postgres(), try MigrationSet.clickHouse()] {
            #expect(!bundled.migrations.isEmpty)
            #expect(bundled.migrations.map(\.version) == Array(1...bundled.migrations.count))
        }
    }
}

@Suite struct SQLStatementSplitterTests {
    @Test func splitsAtTopLevelSemicolonsAndDropsComments() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT 'semi;colon', "odd;name" int);
            /* block; comment */ INSERT INTO a VALUES ('it''s; fine');
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            SELECT $$;$$
            """
        #expect(
            SQLStatementSplitter.split(sql) == [
                #"CREATE TABLE a (x text DEFAULT 'semi;colon', "odd;name" int)"#,
                "INSERT INTO a VALUES ('it''s; fine')",
                "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
                "SELECT $$;$$",
            ])
    }

    @Test func positionalParametersAreNotDollarQuotes() {
        #expect(SQLStatementSplitter.split("SELECT $1; SELECT 2") == ["SELECT $1", "SELECT 2"])
    }
}

@Suite struct DatabaseURLTests {
    @Test func parsesEveryPart() throws {
        let url = try DatabaseURL("postgres://app:s3cret@db.internal:6432/casino?sslmode=require")
        #expect(url.host == "db.internal")
        #expect(url.port == 6432)
        #expect(url.username == "app")
        #expect(url.password == "s3cret")
        #expect(url.database == "casino")
        #expect(url.tlsMode == "require")
    }

    @Test(arguments: ["mysql://x@h/db", "postgres://h:5432/", "postgres:///db", "postgres://h/db?sslmode=maybe", "not a url"])
    func refusesWhatItCannotUse(text: String) {
        #expect(throws: DatabaseURL.ParseError.self) { try DatabaseURL(text) }
    }
}
