import Foundation
import TestSupport
import Testing

@testable import Events

/// Durable pull consumers against real nats-servers: what is acknowledged never comes back, what
/// is not comes back, the position survives the consumer's connection and the server's restart.
@Suite struct PullConsumerTests {
    static func publish(_ count: ClosedRange<Int>, to subject: String, on connection: NATSConnection) async throws {
        let jetStream = JetStream(connection: connection)
        for number in count {
            _ = try await jetStream.publish(subject: subject, messageID: "event-\(number)", payload: Array(String(number).utf8))
        }
    }

    static func numbers(_ messages: [JetStreamMessage]) -> [Int] { messages.map { Int(String(decoding: $0.payload, as: UTF8.self)) ?? -1 } }

    @Test func unacknowledgedMessagesComeBackAndAcknowledgedOnesNever() async throws {
        let connection = try await NATSConnection.connect(url: try TestServices.natsURL())
        let jetStream = JetStream(connection: connection)
        let stream = TestServices.uniqueStreamName()
        let subject = "test.\(stream.lowercased()).event"
        try await jetStream.ensureStream(name: stream, subjects: [subject])
        try await Self.publish(1...5, to: subject, on: connection)
        let config = JetStream.ConsumerConfig(durable: "loader", ackWait: .seconds(1))
        try await jetStream.ensureConsumer(stream: stream, config)
        try await jetStream.ensureConsumer(stream: stream, config)

        let first = try await jetStream.fetch(stream: stream, durable: "loader", batch: 3)
        #expect(Self.numbers(first) == [1, 2, 3])
        #expect(first.map(\.metadata.streamSequence) == [1, 2, 3])
        #expect(first.map(\.metadata.delivered) == [1, 1, 1])
        #expect(first[0].metadata.pending == 4 && first[0].metadata.stream == stream && first[0].metadata.consumer == "loader")
        try await first[0].ack()
        try await first[1].nak()
        try await first[2].term()

        let second = try await jetStream.fetch(stream: stream, durable: "loader", batch: 3, expires: .seconds(3))
        #expect(Set(Self.numbers(second)) == [2, 4, 5], "the nak'd one again and the rest; the terminated one never")
        #expect(second.first { Self.numbers([$0]) == [2] }?.metadata.delivered == 2)
        // Acknowledged together, as the event loader acknowledges a batch.
        try await JetStreamMessage.ack(second.filter { Self.numbers([$0]) != [5] })

        let again = try await jetStream.fetch(stream: stream, durable: "loader", batch: 1, expires: .seconds(4))
        #expect(Self.numbers(again) == [5], "not acknowledged within the ack wait: delivered again")
        #expect(again.first?.metadata.delivered == 2)
        try await again[0].ack()

        let other = try await NATSConnection.connect(url: try TestServices.natsURL())
        let resumed = try await JetStream(connection: other).fetch(stream: stream, durable: "loader", batch: 10, expires: .seconds(1))
        #expect(resumed.isEmpty, "the durable consumer's position is the server's, not the connection's")
        let info = try await jetStream.consumerInfo(stream: stream, durable: "loader")
        #expect(info == JetStream.ConsumerInfo(pending: 0, ackPending: 0, redelivered: 0, ackFloor: 5))
        try await jetStream.deleteStream(name: stream)
        await other.close()
        await connection.close()
    }

    @Test(.timeLimit(.minutes(10))) func aPullConsumerReadsEveryMessageOnceAcrossAServerKill() async throws {
        let server = try PrivateNATSServer()
        try await server.start()
        let setUp = try await NATSConnection.connect(url: server.url)
        try await JetStream(connection: setUp).ensureStream(name: "FACTS", subjects: ["facts.>"])
        try await Self.publish(1...200, to: "facts.money", on: setUp)
        await setUp.close()

        let link = NATSLink(url: server.url, connectTimeout: .seconds(5))
        let consumer = PullConsumer(
            link: link, stream: "FACTS", config: JetStream.ConsumerConfig(durable: "clickhouse", ackWait: .seconds(2)))
        // As a loader does: do the work, then acknowledge. An acknowledgement lost with the server
        // means the message comes back and the work is done again (the facts table keeps one row
        // per event id): at least once here, exactly once where it is stored.
        var processed = Set<Int>()
        var deliveries = 0
        var killed = false
        while true {
            let batch = try await consumer.fetch(batch: 25, expires: .seconds(1))
            deliveries += batch.count
            processed.formUnion(Self.numbers(batch))
            try? await JetStreamMessage.ack(batch)
            if !killed, processed.count >= 60 {
                server.kill()
                try await server.start()
                killed = true
            }
            if processed.count == 200, batch.isEmpty,
                let info = try? await JetStream(connection: link.connection()).consumerInfo(stream: "FACTS", durable: "clickhouse"),
                info.pending == 0, info.ackPending == 0
            {
                #expect(info.ackFloor == 200, "every message acknowledged")
                break
            }
        }
        #expect(killed)
        #expect(processed == Set(1...200), "every message delivered")
        #expect(deliveries >= 200)
        await link.close()
    }
}
