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

@Suite struct OutboxRelayHeaderTests {
    /// Each message names its outbox id (the order of its aggregate's events) and its business
    /// time: the row's `occurred_at` when a backfill set one, its `created_at` otherwise.
    @Test func messagesCarryTheOutboxIdAndTheBusinessTime() async throws {
        try await TestDatabase.with { database in
            let rows = try await database.withConnection { connection in
                try await connection.query(
                    """
                    INSERT INTO outbox (event_id, subject, payload, occurred_at)
                    VALUES (gen_random_uuid(), 'croupier.test.happened', '{}', NULL),
                           (gen_random_uuid(), 'croupier.test.happened', '{}', '2025-03-01 10:00:00.250+00')
                    RETURNING id, coalesce(occurred_at, created_at)
                    """, logger: TestServices.logger
                ).collect().map { try $0.decode((Int64, Date).self) }
            }
            let stream = EventStream(name: TestServices.uniqueName("HEADERS").uppercased())
            let link = NATSLink(url: try TestServices.natsURL())
            let jetStream = JetStream(connection: try await link.connection())
            try await jetStream.ensureStream(name: stream.name, subjects: stream.subjects)
            #expect(
                try await OutboxRelay(database: database, link: link, stream: stream, logger: TestServices.logger).publishBatch(
                    to: jetStream) == 2)
            let consumer = PullConsumer(link: link, stream: stream.name, config: JetStream.ConsumerConfig(durable: "headers"))
            let messages = try await consumer.fetch(batch: 2, expires: .seconds(2))
            #expect(messages.map { $0.headers[EventHeaders.sequence] } == rows.map { String($0.0) })
            #expect(messages.map { $0.headers[EventHeaders.occurredAt] } == rows.map { EventHeaders.text($0.1) })
            #expect(messages.last?.headers[EventHeaders.occurredAt] == "2025-03-01T10:00:00.250Z")
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
