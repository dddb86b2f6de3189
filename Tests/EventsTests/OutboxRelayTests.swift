import Foundation
import Persistence
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
            #expect(try await Outbox.backlog(in: database, logger: TestServices.logger).count == 3)
            #expect(try await relay.publishBatch(to: jetStream) == 3)
            #expect(try await relay.publishBatch(to: jetStream) == 0, "published rows are not sent again")
            #expect(try await Outbox.backlog(in: database, logger: TestServices.logger) == Backlog(count: 0, oldest: nil))
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

/// The relay's position (migration 0070): what a batch takes, and what it leaves for later.
@Suite struct OutboxRelayPositionTests {
    static func insert(_ count: Int, on connection: PostgresConnection) async throws -> [Int64] {
        try await connection.query(
            """
            INSERT INTO outbox (event_id, subject, payload)
            SELECT gen_random_uuid(), 'croupier.test.happened', '{}' FROM generate_series(1, \(count))
            RETURNING id
            """, logger: TestServices.logger
        ).collect().map { try $0.decode(Int64.self) }
    }

    /// A relay on a stream of its own, and what it published, in the order it did.
    static func withRelay(
        batchSize: Int = 200, database: Database, _ body: (OutboxRelay, JetStream, () async throws -> [Int64]) async throws -> Void
    ) async throws {
        let stream = EventStream(name: TestServices.uniqueName("POSITION").uppercased())
        let link = NATSLink(url: try TestServices.natsURL())
        let jetStream = JetStream(connection: try await link.connection())
        try await jetStream.ensureStream(name: stream.name, subjects: stream.subjects)
        let consumer = PullConsumer(link: link, stream: stream.name, config: JetStream.ConsumerConfig(durable: "position"))
        let relay = OutboxRelay(database: database, link: link, stream: stream, logger: TestServices.logger, batchSize: batchSize)
        try await body(relay, jetStream) {
            let messages = try await consumer.fetch(batch: 100, expires: .seconds(1))
            try await JetStreamMessage.ack(messages)
            return messages.compactMap { $0.headers[EventHeaders.sequence].flatMap { Int64($0) } }
        }
        try await jetStream.deleteStream(name: stream.name)
        await link.close()
    }

    /// An event whose transaction is still open when later ones are published is not skipped: it
    /// goes out when its transaction commits, though its id is lower than theirs.
    @Test func anEventCommittedAfterLaterOnesWerePublishedIsPublishedThen() async throws {
        try await TestDatabase.with { database in
            try await Self.withRelay(database: database) { relay, jetStream, published in
                let early = try await database.withConnection { open in
                    try await open.query("BEGIN", logger: TestServices.logger).collect()
                    let early = try await Self.insert(1, on: open)
                    let later = try await database.withConnection { try await Self.insert(2, on: $0) }
                    #expect(early[0] < later[0])
                    #expect(try await relay.publishBatch(to: jetStream) == 2)
                    #expect(try await published() == later)
                    #expect(
                        try await Outbox.backlog(in: database, logger: TestServices.logger).count == 0, "an open transaction's event waits")
                    #expect(try await relay.publishBatch(to: jetStream) == 0)
                    try await open.query("COMMIT", logger: TestServices.logger).collect()
                    return early
                }
                #expect(try await Outbox.backlog(in: database, logger: TestServices.logger).count == 1)
                #expect(try await relay.publishBatch(to: jetStream) == 1)
                #expect(try await published() == early)
                #expect(try await relay.publishBatch(to: jetStream) == 0)
            }
        }
    }

    /// More events than a batch holds, committed together: published in parts, in id order, each once.
    @Test func aBatchLargerThanTheRelaysIsPublishedInPartsInIdOrder() async throws {
        try await TestDatabase.with { database in
            try await Self.withRelay(batchSize: 2, database: database) { relay, jetStream, published in
                let ids = try await database.withConnection { try await Self.insert(5, on: $0) }
                #expect(try await relay.publishBatch(to: jetStream) == 2)
                #expect(
                    try await Outbox.backlog(in: database, logger: TestServices.logger).count == 3, "the rest of the part-published batch")
                let more = try await database.withConnection { try await Self.insert(1, on: $0) }
                #expect(try await relay.publishBatch(to: jetStream) == 2)
                #expect(try await relay.publishBatch(to: jetStream) == 1, "the batch ends at its snapshot, before the newer event")
                #expect(try await relay.publishBatch(to: jetStream) == 1)
                #expect(try await relay.publishBatch(to: jetStream) == 0)
                #expect(try await published() == ids + more)
            }
        }
    }

    /// A batch in parts whose lowest id was written first and committed last: the first part
    /// orders the whole batch by id, so that event goes out first and none twice.
    @Test func aBatchInPartsKeepsIdOrderWhenItsFirstEventCommittedLast() async throws {
        try await TestDatabase.with { database in
            try await Self.withRelay(batchSize: 2, database: database) { relay, jetStream, published in
                let ids = try await database.withConnection { open in
                    try await open.query("BEGIN", logger: TestServices.logger).collect()
                    let early = try await Self.insert(1, on: open)
                    let later = try await database.withConnection { try await Self.insert(4, on: $0) }
                    try await open.query("COMMIT", logger: TestServices.logger).collect()
                    return early + later
                }
                #expect(ids == ids.sorted())
                #expect(try await relay.publishBatch(to: jetStream) == 2)
                #expect(try await relay.publishBatch(to: jetStream) == 2)
                #expect(try await relay.publishBatch(to: jetStream) == 1)
                #expect(try await relay.publishBatch(to: jetStream) == 0)
                #expect(try await published() == ids)
            }
        }
    }

    /// Several relays may run; one publishes at a time, and the others find nothing to do.
    @Test func whileOneRelayPublishesAnotherWaits() async throws {
        try await TestDatabase.with { database in
            try await Self.withRelay(database: database) { relay, jetStream, published in
                let ids = try await database.withConnection { try await Self.insert(3, on: $0) }
                try await database.withConnection { holder in
                    try await holder.query("BEGIN", logger: TestServices.logger).collect()
                    try await holder.query(
                        "SELECT pg_advisory_xact_lock(hashtextextended('outbox.relay_position', 0))", logger: TestServices.logger
                    ).collect()
                    #expect(try await relay.publishBatch(to: jetStream) == 0)
                    try await holder.query("COMMIT", logger: TestServices.logger).collect()
                }
                #expect(try await relay.publishBatch(to: jetStream) == 3)
                #expect(try await published() == ids)
            }
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
