import Foundation
import PostgresNIO
import TestSupport
import Testing

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
            let stream = EventStream(name: TestServices.uniqueName("TEST").uppercased())
            let link = NATSLink(url: try TestServices.natsURL())
            let relay = OutboxRelay(database: database, link: link, stream: stream, logger: TestServices.logger)
            let connection = try await link.connection()
            let jetStream = JetStream(connection: connection)
            try await jetStream.ensureStream(name: stream.name, subjects: stream.subjects)
            #expect(try await relay.publishBatch(to: jetStream) == 3)
            #expect(try await relay.publishBatch(to: jetStream) == 0, "published rows are not sent again")
            let unpublished = try await database.withConnection { connection in
                try await connection.query("SELECT count(*) FROM outbox WHERE published_at IS NULL", logger: TestServices.logger).collect()
            }
            #expect(try unpublished[0].decode(Int.self) == 0)
            // The stream holds each event under its own prefix: publishing its id again there is
            // recognised as a duplicate.
            for id in ids {
                let ack = try await jetStream.publish(
                    subject: "\(stream.subjectPrefix).test.happened", messageID: id.uuidString.lowercased(), payload: Array("{}".utf8))
                #expect(ack.duplicate)
                #expect(ack.stream == stream.name)
            }
            try await jetStream.deleteStream(name: stream.name)
            await link.close()
        }
    }
}

@Suite struct EventStreamTests {
    @Test func theDefaultStreamPublishesOutboxSubjectsUnchanged() {
        #expect(EventStream.standard.subjects == ["croupier.>"])
        #expect(EventStream.standard.subject(forOutboxSubject: "croupier.ledger.bet") == "croupier.ledger.bet")
    }

    @Test func anotherStreamPublishesUnderItsOwnPrefix() {
        let stream = EventStream(name: "TEST_ab12")
        #expect(stream.subjects == ["test_ab12.>"])
        #expect(stream.subject(forOutboxSubject: "croupier.ledger.bet") == "test_ab12.ledger.bet")
        #expect(stream.subject(forOutboxSubject: "croupierx.ledger.bet") == "croupierx.ledger.bet", "only a whole first token is replaced")
    }
}

@Suite struct NATSLinkTests {
    @Test func callersShareOneConnectionAndADiscardedOneIsReplaced() async throws {
        let link = NATSLink(url: try TestServices.natsURL())
        async let first = link.connection()
        async let second = link.connection()
        let (a, b) = try await (first, second)
        #expect(a === b, "callers arriving together wait for the same connection")
        await link.discard(a)
        #expect(await a.isOpen == false)
        let replacement = try await link.connection()
        #expect(replacement !== a)
        try await replacement.ping()
        await link.close()
        #expect(await replacement.isOpen == false)
        await #expect(throws: NATSError.closed, "a closed link does not reopen") { _ = try await link.connection() }
    }
}
