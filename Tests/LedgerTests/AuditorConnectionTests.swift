import Foundation
import Ledger
import Persistence
import PostgresNIO
import TestSupport
import Testing

@Suite struct AuditorConnectionTests {
    /// With a pool of one connection, the connection that ran a failed audit is the one the next
    /// caller gets: it must be out of the audit's read-only transaction.
    @Test func aFailedAuditHandsBackAConnectionThatWorks() async throws {
        try await TestDatabase.with { database in
            let onlyOne = Database(url: database.url, maximumConnections: 1, logger: TestServices.logger)
            try await onlyOne.running {
                try await onlyOne.withConnection { connection in
                    // Check 6 reads the outbox, so the audit fails after its earlier checks ran.
                    try await connection.query("ALTER TABLE outbox RENAME TO outbox_elsewhere", logger: TestServices.logger).collect()
                }
                await #expect(throws: PSQLError.self) {
                    try await LedgerAuditor(database: onlyOne, logger: TestServices.logger).run()
                }
                let readOnly = try await onlyOne.withConnection { connection in
                    try await connection.query("SHOW transaction_read_only", logger: TestServices.logger).collect().first?.decode(
                        String.self)
                }
                #expect(readOnly == "off")
                try await onlyOne.withConnection { connection in
                    try await connection.query("ALTER TABLE outbox_elsewhere RENAME TO outbox", logger: TestServices.logger).collect()
                }
                #expect(try await LedgerAuditor(database: onlyOne, logger: TestServices.logger).run().allSatisfy { $0.violations == 0 })
            }
        }
    }
}
