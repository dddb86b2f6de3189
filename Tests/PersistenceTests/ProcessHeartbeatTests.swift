import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import Persistence

@Suite struct ProcessHeartbeatTests {
    let logger = TestServices.logger

    @Test func aBeatWritesTheCopyWithItsJobsAndRemovesCopiesSilentForADay() async throws {
        try await TestDatabase.with { database in
            let board = JobBoard.process
            await board.finished("heartbeat test job", error: "connection refused")
            let heartbeat = ProcessHeartbeat(database: database, role: .worker, version: "test-build", schemaVersion: 28, logger: logger)
            let long = Date().addingTimeInterval(-2 * 86_400)
            try await database.withConnection { connection in
                try await connection.query(
                    """
                    INSERT INTO process_heartbeats (copy_id, role, host, pid, version, schema_version, started_at, beat_at)
                    VALUES (gen_random_uuid(), 'serve', 'gone', 1, 'old', 1, \(long), \(long))
                    """, logger: logger
                ).collect()
            }
            try await heartbeat.beat()
            let copies = try await ProcessHeartbeat.copies(in: database, logger: logger)
            #expect(copies.count == 1, "the copy silent for two days is gone")
            let copy = try #require(copies.first)
            #expect(copy.role == .worker)
            #expect(copy.version == "test-build")
            #expect(copy.schemaVersion == 28)
            #expect(copy.pid == Int(ProcessInfo.processInfo.processIdentifier))
            let job = try #require(copy.jobs.first { $0.name == "heartbeat test job" })
            #expect(job.lastError == "connection refused")

            try await heartbeat.beat(now: Date().addingTimeInterval(10))
            let again = try await ProcessHeartbeat.copies(in: database, logger: logger)
            #expect(again.count == 1, "a copy keeps one row")
            #expect(again.first?.startedAt == copy.startedAt)
            #expect((again.first?.beatAt ?? .distantPast) > copy.beatAt)
        }
    }

    @Test func theBoardKeepsTheLastErrorAndItsTimeAfterLaterGoodRounds() async {
        let board = JobBoard()
        let failedAt = Date(timeIntervalSince1970: 1_000)
        await board.finished("payouts", error: String(repeating: "x", count: 800), at: failedAt)
        await board.finished("payouts", at: Date(timeIntervalSince1970: 2_000))
        await board.finished("another")
        let statuses = await board.snapshot()
        #expect(statuses.map(\.name) == ["another", "payouts"])
        let payouts = statuses[1]
        #expect(payouts.runs == 2)
        #expect(payouts.lastRunAt == Date(timeIntervalSince1970: 2_000))
        #expect(payouts.lastErrorAt == failedAt)
        #expect(payouts.lastError?.count == 500, "errors are cut to 500 characters")
    }
}
