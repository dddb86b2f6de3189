import Foundation
import NIOCore
import NIOPosix

/// A minimal NATS client (core protocol plus headers): publish, request/reply (the JetStream API,
/// `Nats-Msg-Id` de-duplicated publishes) and subscriptions (`subscribe`, which JetStream's pull
/// consumers and live pushes read). Credentials come from the URL: `nats://user:password@host`
/// or `nats://token@host`.
/// No Swift NATS client is among the mirrored packages; the protocol is small and stable
/// (https://docs.nats.io/reference/reference-protocols/nats-protocol).
public actor NATSConnection {
    public struct Message: Sendable {
        public let subject: String
        public let headers: [String: String]
        /// The status of a header-only reply, e.g. 503 when no one serves the subject.
        public let status: Int?
        public let payload: [UInt8]
        /// Where an answer goes: a requester's inbox, or JetStream's acknowledgement subject.
        public let replyTo: String?

        public init(subject: String, headers: [String: String] = [:], status: Int? = nil, payload: [UInt8], replyTo: String? = nil) {
            self.subject = subject
            self.headers = headers
            self.status = status
            self.payload = payload
            self.replyTo = replyTo
        }
    }

    private let channel: any Channel
    private let inboxPrefix = "_INBOX.\(RandomInbox.make())"
    private var nextRequest = 0
    private var nextReplyGroup = 0
    private var serverInfo: [String: Any] = [:]
    private var pendingPongs: [CheckedContinuation<Void, any Error>] = []
    /// Each awaited reply's group and place in it, by reply subject.
    private var pendingReplies: [String: (group: Int, index: Int)] = [:]
    private var replyGroups: [Int: ReplyGroup] = [:]
    /// Each open subscription's messages, by subscription id; `replySID` is the requests' inbox.
    private var subscriptions: [String: AsyncStream<Message>.Continuation] = [:]
    private var lastSID = 1
    private static let replySID = "1"
    private var failure: NATSError?
    private let credentials: Credentials

    /// Connects, sends CONNECT and waits until the server answered a PING.
    /// The default bounds (here and for `request`) only catch a server that is gone or stuck: a
    /// saturated machine (the stress runs) has been seen to take over 3 seconds for a local handshake.
    public static func connect(url: String, timeout: Duration = .seconds(30)) async throws -> NATSConnection {
        let (host, port, credentials) = try parse(url: url)
        let (frames, sink) = AsyncStream<NATSFrame>.makeStream()
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(
                    .milliseconds(Int64(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
                )
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(NATSFrameDecoder(sink: sink))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            // NIO's own errors differ by cause (refused, timed out, unresolvable); callers need
            // only to know that no server answered there.
            throw NATSError.unreachable(address: "\(host):\(port)", reason: "\(error)")
        }
        let connection = NATSConnection(channel: channel, credentials: credentials)
        Task { await connection.consume(frames) }
        do {
            try await withDeadline(timeout, what: "NATS handshake with \(host):\(port)") {
                try await connection.handshake()
            }
        } catch {
            await connection.close()
            throw error
        }
        return connection
    }

    private init(channel: any Channel, credentials: Credentials) {
        self.channel = channel
        self.credentials = credentials
    }

    /// Whether the server said JetStream is enabled in its INFO.
    public var jetStreamEnabled: Bool { (serverInfo["jetstream"] as? Bool) ?? false }

    /// False once the connection failed or was closed; it never reopens.
    public var isOpen: Bool { failure == nil }

    public func ping() async throws {
        try checkOpen()
        try await withCheckedThrowingContinuation { continuation in
            pendingPongs.append(continuation)
            write("PING\r\n")
        }
    }

    /// Publishes `payload` with headers (e.g. `Nats-Msg-Id`) and waits for the reply, which
    /// for a JetStream subject is the stream's acknowledgement.
    public func request(
        _ subject: String, headers: [String: String] = [:], payload: [UInt8], timeout: Duration = .seconds(30)
    ) async throws -> Message {
        try await requestAll([Request(subject: subject, headers: headers, payload: payload)], timeout: timeout)[0]
    }

    /// One message of `requestAll`.
    public struct Request: Sendable {
        public let subject: String
        public let headers: [String: String]
        public let payload: [UInt8]

        public init(subject: String, headers: [String: String] = [:], payload: [UInt8]) {
            self.subject = subject
            self.headers = headers
            self.payload = payload
        }
    }

    /// Publishes every request in one write, in order, and waits for all their replies, returned
    /// in the requests' order: a batch costs one flush, one wait and one timer instead of one per
    /// message. It fails as a whole when the connection fails or a reply is still missing after
    /// `timeout`; callers send only what may be sent twice (JetStream publishes with their
    /// `Nats-Msg-Id`), so they retry the whole batch.
    public func requestAll(_ requests: [Request], timeout: Duration = .seconds(30)) async throws -> [Message] {
        try checkOpen()
        guard !requests.isEmpty else { return [] }
        nextReplyGroup += 1
        let group = nextReplyGroup
        let what = requests.count == 1 ? "reply on \(requests[0].subject)" : "\(requests.count) replies"
        return try await withDeadline(timeout, what: what) {
            try await self.awaitReplies(group, to: requests)
        }
    }

    private struct ReplyGroup {
        var replies: [Message?]
        var missing: Int
        let subjects: [String]
        let continuation: CheckedContinuation<[Message], any Error>
    }

    private func awaitReplies(_ group: Int, to requests: [Request]) async throws -> [Message] {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // The connection may have failed while the deadline's tasks started.
                if let failure {
                    continuation.resume(throwing: failure)
                    return
                }
                var subjects: [String] = []
                var buffer = channel.allocator.buffer(capacity: requests.reduce(0) { $0 + $1.payload.count + 160 })
                for (index, request) in requests.enumerated() {
                    nextRequest += 1
                    let reply = "\(inboxPrefix).\(nextRequest)"
                    subjects.append(reply)
                    pendingReplies[reply] = (group, index)
                    Self.encode(request.subject, reply: reply, headers: request.headers, payload: request.payload, into: &buffer)
                }
                replyGroups[group] = ReplyGroup(
                    replies: Array(repeating: nil, count: requests.count), missing: requests.count, subjects: subjects,
                    continuation: continuation)
                channel.writeAndFlush(buffer, promise: nil)
            }
        } onCancel: {
            Task { await self.abandon(group) }
        }
    }

    private func received(_ reply: Message) {
        guard let (group, index) = pendingReplies.removeValue(forKey: reply.subject), var waiting = replyGroups[group] else { return }
        waiting.replies[index] = reply
        waiting.missing -= 1
        if waiting.missing > 0 {
            replyGroups[group] = waiting
        } else {
            replyGroups.removeValue(forKey: group)
            waiting.continuation.resume(returning: waiting.replies.compactMap { $0 })
        }
    }

    /// A subscription's id and its messages, which end when it is unsubscribed or the
    /// connection closes.
    public struct Subscription: Sendable {
        public let sid: String
        public let messages: AsyncStream<Message>
    }

    /// Subscribes to `subject` (wildcards `*` and `>` allowed); with `queue`, the server hands each
    /// message to one member of the queue group.
    public func subscribe(_ subject: String, queue: String? = nil) throws -> Subscription {
        try checkOpen()
        try Self.requireToken(subject, what: "subject")
        if let queue { try Self.requireToken(queue, what: "queue group") }
        lastSID += 1
        let sid = String(lastSID)
        let (messages, continuation) = AsyncStream<Message>.makeStream()
        subscriptions[sid] = continuation
        write("SUB \(subject)\(queue.map { " \($0)" } ?? "") \(sid)\r\n")
        return Subscription(sid: sid, messages: messages)
    }

    /// Ends the subscription: the server sends it nothing more, and its messages end.
    public func unsubscribe(_ subscription: Subscription) {
        guard let continuation = subscriptions.removeValue(forKey: subscription.sid) else { return }
        continuation.finish()
        if failure == nil { write("UNSUB \(subscription.sid)\r\n") }
    }

    /// Publishes without waiting for anything; `reply` names where an answer should go.
    public func publish(_ subject: String, reply: String? = nil, headers: [String: String] = [:], payload: [UInt8]) throws {
        try checkOpen()
        try Self.requireToken(subject, what: "subject")
        if let reply { try Self.requireToken(reply, what: "reply subject") }
        send(subject, reply: reply, headers: headers, payload: payload)
    }

    /// A subject no one else uses, for answers meant for this connection only.
    public func newInbox() -> String { "_INBOX.\(RandomInbox.make())" }

    /// A subject or queue name is one protocol token: nothing that could end the line or split it.
    static func requireToken(_ text: String, what: String) throws {
        guard !text.isEmpty, text.utf8.count <= 1024, !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f })
        else { throw NATSError.invalidSubject("\(what) \(text.prefix(80).debugDescription)") }
    }

    private func abandon(_ group: Int) {
        guard let waiting = replyGroups.removeValue(forKey: group) else { return }
        for subject in waiting.subjects { pendingReplies.removeValue(forKey: subject) }
        waiting.continuation.resume(throwing: NATSError.timeout("\(waiting.missing) of \(waiting.subjects.count) replies"))
    }

    public func close() {
        fail(with: .closed)
        channel.close(promise: nil)
    }

    // MARK: - Protocol

    private func handshake() async throws {
        try await withCheckedThrowingContinuation { continuation in
            pendingPongs.append(continuation)
            // The PING right after CONNECT makes the server report a bad CONNECT as -ERR
            // before answering PONG.
            write("CONNECT \(credentials.connectOptions())\r\nPING\r\n")
        }
        let subscription = "SUB \(inboxPrefix).* \(Self.replySID)\r\n"
        write(subscription)
    }

    private func send(_ subject: String, reply: String?, headers: [String: String], payload: [UInt8]) {
        var buffer = channel.allocator.buffer(capacity: payload.count + 128)
        Self.encode(subject, reply: reply, headers: headers, payload: payload, into: &buffer)
        channel.writeAndFlush(buffer, promise: nil)
    }

    /// One PUB (HPUB with headers) frame.
    private static func encode(
        _ subject: String, reply: String?, headers: [String: String], payload: [UInt8], into buffer: inout ByteBuffer
    ) {
        let target = reply.map { "\(subject) \($0)" } ?? subject
        if headers.isEmpty {
            buffer.writeString("PUB \(target) \(payload.count)\r\n")
        } else {
            var block = "NATS/1.0\r\n"
            for (name, value) in headers.sorted(by: { $0.key < $1.key }) { block += "\(name): \(value)\r\n" }
            block += "\r\n"
            let headerBytes = block.utf8.count
            buffer.writeString("HPUB \(target) \(headerBytes) \(headerBytes + payload.count)\r\n")
            buffer.writeString(block)
        }
        buffer.writeBytes(payload)
        buffer.writeString("\r\n")
    }

    private func write(_ text: String) {
        channel.writeAndFlush(channel.allocator.buffer(string: text), promise: nil)
    }

    private func consume(_ frames: AsyncStream<NATSFrame>) async {
        for await frame in frames {
            switch frame {
            case .info(let json):
                serverInfo = (try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]) ?? [:]
            case .ping:
                write("PONG\r\n")
            case .pong:
                if !pendingPongs.isEmpty { pendingPongs.removeFirst().resume() }
            case .ok:
                break
            case .error(let message):
                fail(with: .serverError(message))
            case .message(let message, let sid):
                if sid == Self.replySID {
                    received(message)
                } else {
                    subscriptions[sid]?.yield(message)
                }
            case .malformed(let line):
                fail(with: .protocolError("unexpected line \(line.prefix(80).debugDescription)"))
                channel.close(promise: nil)
            }
        }
        fail(with: .closed)
    }

    private func fail(with error: NATSError) {
        if failure == nil { failure = error }
        for continuation in pendingPongs { continuation.resume(throwing: error) }
        pendingPongs.removeAll()
        for waiting in replyGroups.values { waiting.continuation.resume(throwing: error) }
        replyGroups.removeAll()
        pendingReplies.removeAll()
        for continuation in subscriptions.values { continuation.finish() }
        subscriptions.removeAll()
    }

    private func checkOpen() throws {
        if let failure { throw failure }
    }

    static func parse(url: String) throws -> (String, Int, Credentials) {
        guard let components = URLComponents(string: url), components.scheme == "nats",
            let host = components.host, !host.isEmpty
        else { throw NATSError.invalidURL(Credentials.redacted(url)) }
        let credentials: Credentials =
            switch (components.user?.removingPercentEncoding, components.password?.removingPercentEncoding) {
            case (let user?, let password?): .userPassword(user, password)
            case (let token?, nil): .token(token)
            default: .none
            }
        return (host, components.port ?? 4222, credentials)
    }

    /// How this connection proves who it is, from its URL.
    enum Credentials: Sendable, Equatable {
        case none
        case token(String)
        case userPassword(String, String)

        /// CONNECT's JSON: the client's options and, when the URL has them, its credentials.
        func connectOptions() -> String {
            var options: [String: Any] = [
                "verbose": false, "pedantic": false, "headers": true, "no_responders": true, "lang": "swift", "version": "0.1.0",
                "protocol": 1,
            ]
            switch self {
            case .none: break
            case .token(let token): options["auth_token"] = token
            case .userPassword(let user, let password):
                options["user"] = user
                options["pass"] = password
            }
            let data = (try? JSONSerialization.data(withJSONObject: options, options: [.sortedKeys])) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self)
        }

        /// `url` with whatever precedes `@` in its authority replaced, for messages and logs.
        static func redacted(_ url: String) -> String {
            guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
            return url[..<scheme.upperBound] + "***" + url[at...]
        }
    }
}

public enum NATSError: Error, CustomStringConvertible, Equatable {
    case invalidURL(String)
    /// No TCP connection to the server could be made.
    case unreachable(address: String, reason: String)
    case timeout(String)
    case protocolError(String)
    case serverError(String)
    /// A subject, reply subject or queue name that is not one protocol token.
    case invalidSubject(String)
    case closed

    public var description: String {
        switch self {
        case .invalidURL(let url): "CROUPIER_NATS_URL \(url.debugDescription) is not nats://host:port"
        case .unreachable(let address, let reason): "cannot reach the NATS server at \(address): \(reason)"
        case .timeout(let what): "timed out waiting for \(what)"
        case .protocolError(let detail): "NATS protocol error: \(detail)"
        case .serverError(let message): "NATS server error: \(message)"
        case .invalidSubject(let what): "not a NATS subject: \(what)"
        case .closed: "the NATS connection is closed"
        }
    }
}

enum RandomInbox {
    static func make() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<22).map { _ in alphabet.randomElement(using: &generator)! })
    }
}

/// Runs `body`, failing with `NATSError.timeout` when it takes longer than `duration`.
func withDeadline<T: Sendable>(
    _ duration: Duration, what: String, _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: duration)
            throw NATSError.timeout(what)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
