import Foundation
import TestSupport
import Testing

@testable import Events

/// Core subscriptions and credentials against real nats-servers: the shared one, and servers of
/// the test's own for credentials and a restart.
@Suite struct NATSSubscriptionTests {
    static func text(_ message: NATSConnection.Message) -> String { String(decoding: message.payload, as: UTF8.self) }

    @Test func aSubscriptionReceivesWhatIsPublishedUntilUnsubscribed() async throws {
        let connection = try await NATSConnection.connect(url: try TestServices.natsURL())
        let subject = "test.\(TestServices.uniqueName("sub").lowercased())"
        let all = try await connection.subscribe("\(subject).>")
        let one = try await connection.subscribe("\(subject).a")
        try await connection.publish("\(subject).a", payload: Array("first".utf8))
        try await connection.publish("\(subject).b", headers: ["Kind": "second"], payload: Array("second".utf8))
        try await connection.ping()
        await connection.unsubscribe(one)
        try await connection.publish("\(subject).a", payload: Array("third".utf8))
        try await connection.ping()
        await connection.unsubscribe(all)
        var received: [String] = []
        for await message in all.messages { received.append("\(message.subject):\(Self.text(message))") }
        var onlyA: [String] = []
        for await message in one.messages { onlyA.append(Self.text(message)) }
        #expect(received == ["\(subject).a:first", "\(subject).b:second", "\(subject).a:third"])
        #expect(onlyA == ["first"], "nothing after the unsubscribe")
        await connection.close()
    }

    @Test func aSubjectThatWouldBreakTheProtocolLineIsRefused() async throws {
        let connection = try await NATSConnection.connect(url: try TestServices.natsURL())
        for hostile in ["a b", "a\r\nPUB x 1", "", "tab\there", "nul\u{0}"] {
            await #expect(throws: NATSError.self, "\(hostile.debugDescription)") { try await connection.subscribe(hostile) }
            await #expect(throws: NATSError.self, "\(hostile.debugDescription)") {
                try await connection.publish(hostile, payload: [])
            }
        }
        try await connection.ping()
        #expect(await connection.isOpen, "nothing reached the server")
        await connection.close()
    }

    @Test func aUserAndPasswordOrATokenFromTheURLAuthenticate() async throws {
        let withUser = try PrivateNATSServer(options: ["--user", "relay", "--pass", "s3cr:t@x"])
        let withToken = try PrivateNATSServer(options: ["--auth", "tok3n"])
        try await withUser.start()
        try await withToken.start()
        let user = try await NATSConnection.connect(url: "nats://relay:s3cr%3At%40x@127.0.0.1:\(withUser.port)")
        try await user.ping()
        await user.close()
        let token = try await NATSConnection.connect(url: "nats://tok3n@127.0.0.1:\(withToken.port)")
        try await token.ping()
        await token.close()
        for refused in [
            "nats://relay:wrong@127.0.0.1:\(withUser.port)", withUser.url, "nats://wrong@127.0.0.1:\(withToken.port)", withToken.url,
        ] {
            let error = await #expect(throws: NATSError.self, "\(refused)") {
                _ = try await NATSConnection.connect(url: refused, timeout: .seconds(10))
            }
            #expect(error.map { "\($0)".lowercased().contains("authorization") } == true, "\(String(describing: error))")
        }
        let malformed = "http://relay:s3cret@127.0.0.1:\(withUser.port)"
        let error = await #expect(throws: NATSError.self) { _ = try await NATSConnection.connect(url: malformed) }
        #expect(!"\(String(describing: error))".contains("s3cret"), "a password never reaches a message")
    }

    @Test(.timeLimit(.minutes(10))) func aLinksSubscriptionCarriesOnAfterTheServerRestarts() async throws {
        let server = try PrivateNATSServer()
        try await server.start()
        let link = NATSLink(url: server.url, connectTimeout: .seconds(5))
        let subject = "test.restart"
        var messages = link.subscription(to: subject).makeAsyncIterator()
        let publisher = NATSLink(url: server.url, connectTimeout: .seconds(5))
        try await Self.publishUntilReceived("before", subject: subject, publisher: publisher, messages: &messages)
        server.kill()
        try await server.start()
        try await Self.publishUntilReceived("after", subject: subject, publisher: publisher, messages: &messages)
        await link.close()
        await publisher.close()
    }

    /// Core NATS keeps nothing for a subscriber not (yet) there: publish again until it arrives.
    static func publishUntilReceived(
        _ text: String, subject: String, publisher: NATSLink, messages: inout AsyncStream<NATSConnection.Message>.Iterator
    ) async throws {
        let sender = Task {
            while !Task.isCancelled {
                if let connection = try? await publisher.connection() {
                    do { try await connection.publish(subject, payload: Array(text.utf8)) } catch { await publisher.discard(connection) }
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        defer { sender.cancel() }
        while let message = await messages.next() {
            if Self.text(message) == text { return }
        }
        Issue.record("the subscription ended before \(text) arrived")
    }
}
