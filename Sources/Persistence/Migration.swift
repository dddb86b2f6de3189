import Core
import Crypto
import Foundation

/// One numbered, append-only schema change. Files are named `NNNN_name.sql`; the checksum is
/// the SHA-256 of the file's bytes, so any edit to an applied migration is noticed.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String
    public let checksum: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        self.checksum = Hex.encode(SHA256.hash(data: Data(sql.utf8)))
    }

    public var fileName: String { String(format: "%04d_%@.sql", version, name) }
}

extension Migration {
    /// Every `NNNN_name.sql` file of a directory.
    public static func load(directory: URL) throws -> [Migration] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
        var migrations: [Migration] = []
        for fileName in names {
            let stem = fileName.dropLast(4)
            guard let underscore = stem.firstIndex(of: "_"),
                let version = Int(stem[..<underscore]), version > 0,
                stem[stem.index(after: underscore)...].allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "_") })
            else { throw MigrationError.badFileName(fileName) }
            let sql = try String(contentsOf: directory.appendingPathComponent(fileName), encoding: .utf8)
            migrations.append(Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        return migrations
    }

    /// The migrations a context ships in its `Migrations` resource folder (or `folder`, for a
    /// context with two engines). Each context owns its files; one list (`Schema`) puts every
    /// context's migrations in one global order by version.
    public static func bundled(in bundle: Bundle, owner: String, folder: String = "Migrations") throws -> [Migration] {
        guard let directory = bundle.url(forResource: folder, withExtension: nil) else {
            throw MigrationError.failed(engine: owner, migration: "-", reason: "the \(folder) resource is missing from this build")
        }
        return try load(directory: directory)
    }
}

/// What a database says it has applied.
public struct AppliedMigration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let checksum: String

    public init(version: Int, name: String, checksum: String) {
        self.version = version
        self.name = name
        self.checksum = checksum
    }
}

public enum MigrationError: Error, CustomStringConvertible, Equatable {
    case badFileName(String)
    case duplicateVersion(Int)
    case edited(engine: String, migration: String)
    case unknownApplied(engine: String, migration: String)
    case outOfOrder(engine: String, migration: String, after: String)
    case pending(engine: String, count: Int, first: String)
    case failed(engine: String, migration: String, reason: String)

    public var description: String {
        switch self {
        case .badFileName(let name):
            "migration file \(name) is not named NNNN_name.sql (name: lowercase letters, digits, _)"
        case .duplicateVersion(let version):
            "two migration files share version \(version); versions are one global order across every context's Migrations folder"
        case .edited(let engine, let migration):
            "\(engine): migration \(migration) was applied with different text; applied migrations are append-only — restore the file and add a new migration instead"
        case .unknownApplied(let engine, let migration):
            "\(engine): the database has applied \(migration), which this build does not have; run a build that includes it"
        case .outOfOrder(let engine, let migration, let after):
            "\(engine): migration \(migration) is new but numbered before the applied \(after); renumber it after the last applied migration"
        case .pending(let engine, let count, let first):
            "\(engine): the database is not migrated (\(count) pending, first \(first)); run `croupier migrate` or set CROUPIER_MIGRATE_ON_START=true"
        case .failed(let engine, let migration, let reason):
            "\(engine): migration \(migration) failed: \(reason)"
        }
    }
}

/// The migrations a build carries for one engine, in version order.
public struct MigrationSet: Sendable {
    public let engine: String
    public let migrations: [Migration]

    public init(engine: String, migrations: [Migration]) throws {
        var seen = Set<Int>()
        for migration in migrations where !seen.insert(migration.version).inserted {
            throw MigrationError.duplicateVersion(migration.version)
        }
        self.engine = engine
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Loads every `NNNN_name.sql` file of a directory.
    public init(engine: String, directory: URL) throws {
        try self.init(engine: engine, migrations: try Migration.load(directory: directory))
    }

    /// Identifies this exact list of migrations (versions, names and texts).
    public var fingerprint: String {
        let summary = migrations.map { "\($0.version):\($0.name):\($0.checksum)" }.joined(separator: "\n")
        return Hex.encode(SHA256.hash(data: Data(summary.utf8)))
    }

    /// The migrations still to apply, or an error naming the first disagreement between the
    /// database's history and this build.
    public func pending(given applied: [AppliedMigration]) throws -> [Migration] {
        let byVersion = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for record in applied.sorted(by: { $0.version < $1.version }) {
            guard let migration = byVersion[record.version], migration.name == record.name else {
                throw MigrationError.unknownApplied(engine: engine, migration: String(format: "%04d_%@", record.version, record.name))
            }
            guard migration.checksum == record.checksum else {
                throw MigrationError.edited(engine: engine, migration: migration.fileName)
            }
        }
        let appliedVersions = Set(applied.map(\.version))
        let pending = migrations.filter { !appliedVersions.contains($0.version) }
        if let lastApplied = applied.map(\.version).max(), let first = pending.first, first.version < lastApplied,
            let last = byVersion[lastApplied]
        {
            throw MigrationError.outOfOrder(engine: engine, migration: first.fileName, after: last.fileName)
        }
        return pending
    }
}
