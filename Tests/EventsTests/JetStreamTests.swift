import TestSupport
import Testing

@testable import Events

@Suite struct JetStreamTests {
    @Test func aRepeatedMessageIDIsStoredOnce() async throws {
        let connection = try await NATSConnection.connect(url: try TestServices.natsURL())
        let jetStream = JetStream(connection: connection)
        let stream = TestServices.uniqueName("TEST").uppercased()
        let subject = "test.\(stream.lowercased()).event"
        try await jetStream.ensureStream(name: stream, subjects: [subject])
        let first = try await jetStream.publish(subject: subject, messageID: "event-1", payload: Array("one".utf8))
        let again = try await jetStream.publish(subject: subject, messageID: "event-1", payload: Array("one".utf8))
        let other = try await jetStream.publish(subject: subject, messageID: "event-2", payload: Array("two".utf8))
        #expect(first.duplicate == false)
        #expect(again.duplicate == true)
        #expect(again.sequence == first.sequence)
        #expect(other.sequence == first.sequence + 1)
        try await jetStream.deleteStream(name: stream)
        await connection.close()
    }

    @Test func pingAndJetStreamInfoAnswer() async throws {
        let connection = try await NATSConnection.connect(url: try TestServices.natsURL())
        try await connection.ping()
        #expect(await connection.jetStreamEnabled)
        try await JetStream(connection: connection).accountInfo()
        await connection.close()
    }

    @Test func anUnreachableServerFailsAsUnreachable() async throws {
        let error = await #expect(throws: NATSError.self) {
            _ = try await NATSConnection.connect(url: "nats://127.0.0.1:1", timeout: .seconds(1))
        }
        guard case .unreachable(let address, _) = try #require(error) else {
            Issue.record("an unreachable server gave \(String(describing: error))")
            return
        }
        #expect(address == "127.0.0.1:1")
    }

    @Test func aPublishNoStreamCapturesIsAnError() async throws {
        let connection = try await NATSConnection.connect(url: try TestServices.natsURL())
        await #expect(throws: NATSError.self) {
            _ = try await JetStream(connection: connection).publish(subject: "nobody.listens.here", messageID: "x", payload: [])
        }
        await connection.close()
    }
}
