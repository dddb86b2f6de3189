import Foundation
import PostgresNIO
import Testing
import TestSupport

@testable import Events

@Suite struct OutboxRelayTests {
    @Test func publishesEachEventOnceAndMarksItPublished() async throws {
        try await TestDatabase.with { database in
            let ids = (0..<3).map { _ in UUID() }
            try await database.withConnection { connection in
                for id in ids {
                    try await connection.query(
                        "INSERT INTO outbox (event_id, subject, payload) VALUES (\(id), 'croupier.test.happened', '{\"n\":1}')",
                        logger: TestServices.logger
                    ).collect()
                }
            }
            let relay = OutboxRelay(database: database, natsURL: try TestServices.natsURL(), logger: TestServices.logger)
            let connection = try await NATSConnection.connect(url: try TestServices.natsURL())
            let jetStream = JetStream(connection: connection)
            try await jetStream.ensureStream(name: OutboxRelay.streamName, subjects: OutboxRelay.streamSubjects)
            #expect(try await relay.publishBatch(to: jetStream) == 3)
            #expect(try await relay.publishBatch(to: jetStream) == 0, "published rows are not sent again")
            let unpublished = try await database.withConnection { connection in
                try await connection.query("SELECT count(*) FROM outbox WHERE published_at IS NULL", logger: TestServices.logger).collect()
            }
            #expect(try unpublished[0].decode(Int.self) == 0)
            // The stream holds each event: publishing its id again is recognised as a duplicate.
            for id in ids {
                let ack = try await jetStream.publish(subject: "croupier.test.happened", messageID: id.uuidString.lowercased(), payload: Array("{}".utf8))
                #expect(ack.duplicate)
            }
            await connection.close()
        }
    }
}
