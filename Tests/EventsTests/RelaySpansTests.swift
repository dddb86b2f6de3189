import Foundation
import InMemoryTracing
import PostgresNIO
import TestSupport
import Testing
import Tracing

@testable import Events

/// The relay's spans (docs/operations.md, "Traces"): a batch with events is a trace holding a
/// producer span per publish; an empty poll starts nothing.
@Suite struct RelaySpansTests {
    @Test func aBatchIsOneTraceWithAProducerSpanPerEventAndAnEmptyPollNone() async throws {
        try await TestDatabase.with { database in
            let ids = [UUID(), UUID()]
            try await database.withConnection { connection in
                for id in ids {
                    try await connection.query(
                        "INSERT INTO outbox (event_id, subject, payload) VALUES (\(id), 'croupier.test.happened', '{\"email\":\"p@example.com\"}')",
                        logger: TestServices.logger
                    ).collect()
                }
            }
            let tracer = InMemoryTracer()
            let stream = EventStream(name: TestServices.uniqueName("TEST").uppercased())
            let link = NATSLink(url: try TestServices.natsURL())
            let relay = OutboxRelay(database: database, link: link, stream: stream, logger: TestServices.logger, tracer: tracer)
            let jetStream = JetStream(connection: try await link.connection())
            try await jetStream.ensureStream(name: stream.name, subjects: stream.subjects)
            #expect(try await relay.publishBatch(to: jetStream) == 2)
            let batch = try #require(tracer.finishedSpans.first { $0.operationName == "outbox publish" })
            let publishes = tracer.finishedSpans.filter { $0.kind == .producer }
            #expect(tracer.finishedSpans.count == 3)
            #expect(batch.parentSpanID == nil && batch.attributes.get("messaging.batch.message_count") == .int64(2))
            #expect(publishes.map(\.operationName) == Array(repeating: "publish \(stream.subjectPrefix).test.happened", count: 2))
            #expect(publishes.allSatisfy { $0.parentSpanID == batch.spanID && $0.traceID == batch.traceID })
            let messageIDs = publishes.compactMap { span -> String? in
                if case .string(let id) = span.attributes.get("messaging.message.id") { return id }
                return nil
            }
            #expect(Set(messageIDs) == Set(ids.map { $0.uuidString.lowercased() }))
            #expect(!publishes.contains { String(describing: $0.attributes).contains("example.com") }, "never the payload")

            tracer.clearFinishedSpans()
            #expect(try await relay.publishBatch(to: jetStream) == 0)
            #expect(tracer.finishedSpans.isEmpty && tracer.activeSpans.isEmpty, "an empty poll starts no span")
            try await jetStream.deleteStream(name: stream.name)
            await link.close()
        }
    }
}
