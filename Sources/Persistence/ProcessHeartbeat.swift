import Foundation
import Logging
import PostgresNIO
import ServiceLifecycle

/// A running copy of `croupier serve` or `croupier worker` as its heartbeat row describes it.
public struct RunningCopy: Sendable, Equatable {
    public enum Role: String, Sendable { case serve, worker }

    public let id: UUID
    public let role: Role
    public let host: String
    public let pid: Int
    public let version: String
    public let schemaVersion: Int
    public let startedAt: Date
    public let beatAt: Date
    public let jobs: [JobBoard.Status]

    public init(
        id: UUID, role: Role, host: String, pid: Int, version: String, schemaVersion: Int, startedAt: Date, beatAt: Date,
        jobs: [JobBoard.Status]
    ) {
        self.id = id
        self.role = role
        self.host = host
        self.pid = pid
        self.version = version
        self.schemaVersion = schemaVersion
        self.startedAt = startedAt
        self.beatAt = beatAt
        self.jobs = jobs
    }
}

/// Writes this copy's heartbeat row every `interval` (migration 0028): who it is, since when,
/// and its `JobBoard`. A beat also deletes rows silent for a day, so copies that stopped long ago
/// leave the list by themselves while one that stopped a minute ago shows as silent.
public struct ProcessHeartbeat: Service {
    let database: Database
    let copy: RunningCopy
    let interval: Duration
    let logger: Logger

    public init(
        database: Database, role: RunningCopy.Role, version: String, schemaVersion: Int, interval: Duration = .seconds(5), logger: Logger
    ) {
        self.database = database
        self.copy = RunningCopy(
            id: UUID(), role: role, host: ProcessInfo.processInfo.hostName, pid: Int(ProcessInfo.processInfo.processIdentifier),
            version: version, schemaVersion: schemaVersion, startedAt: Date(), beatAt: Date(), jobs: [])
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        try await RepeatingJob("heartbeat", every: interval, logger: logger) { [self] in try await beat() }.run()
    }

    /// Writes the row now.
    public func beat(now: Date = Date()) async throws {
        let jobs = String(decoding: try Self.encoder.encode(await JobBoard.process.snapshot()), as: UTF8.self)
        try await database.withConnection { connection in
            try await connection.query(
                """
                INSERT INTO process_heartbeats (copy_id, role, host, pid, version, schema_version, started_at, beat_at, jobs)
                VALUES (\(copy.id), \(copy.role.rawValue), \(String(copy.host.prefix(255))), \(copy.pid), \(String(copy.version.prefix(100))),
                        \(copy.schemaVersion), \(copy.startedAt), \(now), \(jobs)::jsonb)
                ON CONFLICT (copy_id) DO UPDATE SET beat_at = EXCLUDED.beat_at, jobs = EXCLUDED.jobs
                """, logger: logger
            ).collect()
            try await connection.query(
                "DELETE FROM process_heartbeats WHERE beat_at < \(now.addingTimeInterval(-86_400))", logger: logger
            ).collect()
        }
    }

    /// Every copy that beat within the last day, the most recently started first.
    public static func copies(in database: Database, logger: Logger) async throws -> [RunningCopy] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT copy_id, role, host, pid, version, schema_version, started_at, beat_at, jobs::text
                  FROM process_heartbeats ORDER BY started_at DESC LIMIT 100
                """, logger: logger)
            var copies: [RunningCopy] = []
            for try await (id, role, host, pid, version, schemaVersion, startedAt, beatAt, jobs) in rows.decode(
                (UUID, String, String, Int, String, Int, Date, Date, String).self)
            {
                copies.append(
                    RunningCopy(
                        id: id, role: RunningCopy.Role(rawValue: role) ?? .serve, host: host, pid: pid, version: version,
                        schemaVersion: schemaVersion, startedAt: startedAt, beatAt: beatAt,
                        jobs: try decoder.decode([JobBoard.Status].self, from: Data(jobs.utf8))))
            }
            return copies
        }
    }

    private static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    private static var decoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
