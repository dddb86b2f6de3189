import Foundation
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

    /// The relay's way: a batch in one write, acknowledged in the order sent; sent again (a relay
    /// that failed before marking its rows), every message is a duplicate of its first copy.
    @Test func aBatchIsStoredInOrderAndOnceWhenSentAgain() async throws {
        let connection = try await NATSConnection.connect(url: try TestServices.natsURL())
        let jetStream = JetStream(connection: connection)
        let stream = TestServices.uniqueName("TEST").uppercased()
        let subject = "test.\(stream.lowercased()).event"
        try await jetStream.ensureStream(name: stream, subjects: [subject])
        let messages = (1...150).map { JetStream.Outgoing(subject: subject, messageID: "event-\($0)", payload: Array("\($0)".utf8)) }
        let first = try await jetStream.publish(messages)
        #expect(first.map(\.sequence) == Array(1...150))
        #expect(first.allSatisfy { !$0.duplicate })
        let again = try await jetStream.publish(Array(messages.reversed()))
        #expect(again.allSatisfy { $0.duplicate })
        #expect(again.map(\.sequence) == Array((1...150).reversed()))
        #expect(try await jetStream.streamInfo(name: stream).messages == 150)

        let stray = JetStream.Outgoing(subject: "nobody.listens.\(stream.lowercased())", messageID: "stray", payload: [])
        let mixed = [JetStream.Outgoing(subject: subject, messageID: "event-151", payload: [])] + [stray]
        let error = await #expect(throws: NATSError.self) { _ = try await jetStream.publish(mixed) }
        #expect(error == .serverError("no stream captures \(stray.subject)"))
        #expect(try await jetStream.publish([]).isEmpty)
        try await connection.ping()
        try await jetStream.deleteStream(name: stream)
        await connection.close()
    }

    @Test func streamInfoCountsWhatTheStreamHolds() async throws {
        let connection = try await NATSConnection.connect(url: try TestServices.natsURL())
        let jetStream = JetStream(connection: connection)
        let stream = TestServices.uniqueName("TEST").uppercased()
        let subject = "test.\(stream.lowercased()).event"
        try await jetStream.ensureStream(name: stream, subjects: [subject])
        let empty = try await jetStream.streamInfo(name: stream)
        #expect(empty.messages == 0)
        #expect(empty.lastMessageAt == nil)
        _ = try await jetStream.publish(subject: subject, messageID: "event-1", payload: Array("one".utf8))
        _ = try await jetStream.publish(subject: subject, messageID: "event-2", payload: Array("two".utf8))
        let info = try await jetStream.streamInfo(name: stream)
        #expect(info.messages == 2)
        #expect(info.lastSequence == 2)
        #expect(info.bytes > 0)
        #expect(info.consumers == 0)
        let age = Date().timeIntervalSince(try #require(info.lastMessageAt))
        #expect(age > -5 && age < 60, "the last message's time is the server's, read to the second")
        await #expect(throws: NATSError.self) { _ = try await jetStream.streamInfo(name: "NO_SUCH_STREAM_\(stream)") }
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

    /// A link listing a cluster's nodes connects to the first that answers: here the first listed
    /// is gone, the second is the local server.
    @Test func aLinkListingSeveralServersConnectsToOneThatAnswers() async throws {
        let link = NATSLink(url: "nats://127.0.0.1:1, \(try TestServices.natsURL())")
        #expect(link.servers == ["nats://127.0.0.1:1", try TestServices.natsURL()])
        let connection = try await link.connection()
        try await connection.ping()
        await link.close()
    }

    /// The replica count reaches the server: a single server (the local one) cannot keep 3
    /// copies and refuses to create such a stream, where a stream of 1 is created.
    @Test func theReplicaCountIsSentToTheServer() async throws {
        let connection = try await NATSConnection.connect(url: try TestServices.natsURL())
        let jetStream = JetStream(connection: connection)
        let single = TestServices.uniqueName("TEST").uppercased()
        let triple = TestServices.uniqueName("TEST").uppercased()
        try await jetStream.ensureStream(name: single, subjects: ["test.\(single.lowercased()).>"], replicas: 1, maxAgeDays: 30)
        #expect(try await jetStream.streamInfo(name: single).maxAgeDays == 30, "the age limit reaches the server")
        try await jetStream.ensureStream(name: single, subjects: ["test.\(single.lowercased()).>"], replicas: 1, maxAgeDays: 7)
        #expect(try await jetStream.streamInfo(name: single).maxAgeDays == 7, "and changes on an existing stream")
        let error = await #expect(throws: NATSError.self) {
            try await jetStream.ensureStream(name: triple, subjects: ["test.\(triple.lowercased()).>"], replicas: 3)
        }
        #expect(error == .serverError("replicas > 1 not supported in non-clustered mode"))
        try await jetStream.deleteStream(name: single)
        await connection.close()
    }

    @Test func aPublishNoStreamCapturesIsAnError() async throws {
        let connection = try await NATSConnection.connect(url: try TestServices.natsURL())
        await #expect(throws: NATSError.self) {
            _ = try await JetStream(connection: connection).publish(subject: "nobody.listens.here", messageID: "x", payload: [])
        }
        await connection.close()
    }
}
