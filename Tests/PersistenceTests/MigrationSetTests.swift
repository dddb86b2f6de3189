import Foundation
import Schema
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

    /// Databases record a migration by version, name and checksum, never by folder: the files
    /// that moved into their contexts' folders must read as before, or every migrated database
    /// would refuse this build.
    @Test func migrationsAppliedBeforeTheMoveToContextFoldersKeepTheirNamesAndChecksums() throws {
        let applied: [String: String] = [
            "0001_outbox": "a5255b3eb411ea992174dd6af69acc3a15a1f2aaf9d24029b6a1b23e7d0d6820",
            "0002_ledger": "e96bfba98d079da777f47982f34a1cc5f5902ccda8f47d981c259aa283bbc187",
            "0003_identity_staff": "2217fbe3d7e91f0a33a2e7ca7232dd9422c57ea69375b00785d61cb3bffc233f",
            "0004_identity_players": "bc6d9da9cbf3f7bf624af568267d79003723326e79e2c523f1c60618480cb1ca",
            "0005_identity_rate_limits": "806204eb18e61dbdd499abe28b12c91263078878aed267ef467e3ca1f68e6a92",
            "0006_identity_oidc_devices_enrolment": "331db03c86e4bb55030f707501dd5192f88d03fbd54da2eaff5be8abc19fb3b3",
            "0007_games": "d871510262da20e0734f79a7070ab6e6cc5d2a50ec607177bfe140a27176d8a5",
            "0008_originals_settlement": "67dc1908ab3b54e592c3e370538299e1997fc4c960d97a03d9392987315eed7d",
            "0009_identity_mail_secrets": "a26f1d2df6c26481bd722ed7e192c991475c5430377c590ffb300b315fb99bac",
            "0010_ledger_settled_bets": "ba3e467552ba5d61d79b6e338acd4531738ffc34905df994f807891dc91fce38",
            "0011_ledger_refusals_open_no_accounts": "c1ef2618faee670341d62547f54578b7e048904a0be6c0c188610acff02c2a6e",
        ]
        let bundled = try MigrationSet.postgres().migrations.prefix(applied.count)
        #expect(Dictionary(uniqueKeysWithValues: bundled.map { (String($0.fileName.dropLast(4)), $0.checksum) }) == applied)
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
