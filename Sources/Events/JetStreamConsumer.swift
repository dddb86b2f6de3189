import Foundation

/// Durable pull consumers (https://docs.nats.io/nats-concepts/jetstream/consumers): the server
/// remembers how far a named consumer got, hands out batches on request, and delivers again what
/// was not acknowledged within `ackWait` (up to `maxDeliver` times). A consumer acknowledges each
/// message only after its work is done, so a crash anywhere means a redelivery, never a loss.
extension JetStream {
    public struct ConsumerConfig: Sendable, Equatable {
        public let durable: String
        /// Only subjects matching this (wildcards allowed); nil for the whole stream.
        public let filterSubject: String?
        public let ackWait: Duration
        /// Deliveries of one message before the server gives up on it; -1 for no limit.
        public let maxDeliver: Int
        /// Messages handed out and not yet acknowledged, at most.
        public let maxAckPending: Int

        public init(
            durable: String, filterSubject: String? = nil, ackWait: Duration = .seconds(30), maxDeliver: Int = -1,
            maxAckPending: Int = 10_000
        ) {
            self.durable = durable
            self.filterSubject = filterSubject
            self.ackWait = ackWait
            self.maxDeliver = maxDeliver
            self.maxAckPending = maxAckPending
        }
    }

    /// Where a consumer stands (`$JS.API.CONSUMER.INFO`).
    public struct ConsumerInfo: Sendable, Equatable {
        /// Messages of the stream not handed out yet.
        public let pending: UInt64
        /// Handed out and not acknowledged.
        public let ackPending: Int
        public let redelivered: Int
        /// The stream sequence up to which every message is acknowledged.
        public let ackFloor: UInt64
    }

    /// Creates the durable consumer, or leaves an existing one of that name as it is (its
    /// position is the point of it). Acknowledgements are explicit; delivery starts at the
    /// stream's first message.
    public func ensureConsumer(stream: String, _ config: ConsumerConfig) async throws {
        var settings: [String: Any] = [
            "durable_name": config.durable, "ack_policy": "explicit", "deliver_policy": "all", "replay_policy": "instant",
            "ack_wait": Self.nanoseconds(config.ackWait), "max_deliver": config.maxDeliver, "max_ack_pending": config.maxAckPending,
        ]
        if let filter = config.filterSubject { settings["filter_subject"] = filter }
        _ = try await call(
            "$JS.API.CONSUMER.DURABLE.CREATE.\(stream).\(config.durable)", body: ["stream_name": stream, "config": settings])
    }

    public func consumerInfo(stream: String, durable: String) async throws -> ConsumerInfo {
        let json = try await call("$JS.API.CONSUMER.INFO.\(stream).\(durable)", body: [:])
        let floor = json["ack_floor"] as? [String: Any]
        return ConsumerInfo(
            pending: (json["num_pending"] as? NSNumber)?.uint64Value ?? 0,
            ackPending: (json["num_ack_pending"] as? NSNumber)?.intValue ?? 0,
            redelivered: (json["num_redelivered"] as? NSNumber)?.intValue ?? 0,
            ackFloor: (floor?["stream_seq"] as? NSNumber)?.uint64Value ?? 0)
    }

    public func deleteConsumer(stream: String, durable: String) async throws {
        _ = try await call("$JS.API.CONSUMER.DELETE.\(stream).\(durable)", body: [:])
    }

    /// Up to `batch` messages: those ready now, or the first to arrive within `expires`. Fewer (or
    /// none) when the consumer has no more; a connection lost on the way throws, and what was
    /// handed out unacknowledged is delivered again after `ackWait`.
    public func fetch(stream: String, durable: String, batch: Int, expires: Duration = .seconds(5)) async throws -> [JetStreamMessage] {
        precondition(batch > 0, "a fetch asks for at least one message")
        let inbox = await connection.newInbox()
        let subscription = try await connection.subscribe(inbox)
        let connection = self.connection
        do {
            try await connection.publish(
                "$JS.API.CONSUMER.MSG.NEXT.\(stream).\(durable)", reply: inbox,
                payload: Array(try JSONSerialization.data(withJSONObject: ["batch": batch, "expires": Self.nanoseconds(expires)])))
            // The server answers by `expires` (408) at the latest; the margin covers a slow link.
            let messages = try await withDeadline(expires + .seconds(5), what: "a batch from \(stream).\(durable)") {
                try await Self.collect(subscription.messages, batch: batch, connection: connection)
            }
            await connection.unsubscribe(subscription)
            return messages
        } catch {
            await connection.unsubscribe(subscription)
            throw error
        }
    }

    /// Reads a pull's answers until the batch is full or the server says there is no more: 404
    /// (nothing now), 408 (expired), 409 (the consumer or the request is gone; refused when the
    /// batch is empty). 100 is a heartbeat.
    static func collect(_ answers: AsyncStream<NATSConnection.Message>, batch: Int, connection: NATSConnection) async throws
        -> [JetStreamMessage]
    {
        var messages: [JetStreamMessage] = []
        for await answer in answers {
            switch answer.status {
            case nil:
                guard let ack = answer.replyTo, let metadata = JetStreamMessage.Metadata(ackSubject: ack) else {
                    throw NATSError.protocolError("a pulled message without its acknowledgement subject")
                }
                messages.append(
                    JetStreamMessage(
                        subject: answer.subject, headers: answer.headers, payload: answer.payload, ackSubject: ack, metadata: metadata,
                        connection: connection))
                if messages.count == batch { return messages }
            case 100: continue
            case 404, 408: return messages
            case 409 where !messages.isEmpty: return messages
            case let status?:
                throw NATSError.serverError("pull answered \(status) \(answer.headers["Description"] ?? "")")
            }
        }
        guard await connection.isOpen else { throw NATSError.closed }
        return messages
    }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }
}

/// A message a pull consumer handed out, with what its acknowledgement subject says about it.
public struct JetStreamMessage: Sendable {
    public struct Metadata: Sendable, Equatable {
        public let stream: String
        public let consumer: String
        /// 1 on the first delivery; more when it is delivered again.
        public let delivered: Int
        public let streamSequence: UInt64
        public let consumerSequence: UInt64
        /// Messages left after this one when it was handed out.
        public let pending: UInt64
        /// When the stream stored it.
        public let publishedAt: Date

        /// `$JS.ACK.<stream>.<consumer>.<delivered>.<stream seq>.<consumer seq>.<time>.<pending>`,
        /// or the newer form with a domain and an account hash after `$JS.ACK` and a token at the end.
        init?(ackSubject: String) {
            let tokens = ackSubject.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard tokens.count >= 9, tokens[0] == "$JS", tokens[1] == "ACK" else { return nil }
            let fields = tokens.count == 9 ? Array(tokens[2...]) : Array(tokens[4...])
            guard fields.count >= 7, let delivered = Int(fields[2]), let streamSequence = UInt64(fields[3]),
                let consumerSequence = UInt64(fields[4]), let nanoseconds = Int64(fields[5]), let pending = UInt64(fields[6])
            else { return nil }
            self.stream = fields[0]
            self.consumer = fields[1]
            self.delivered = delivered
            self.streamSequence = streamSequence
            self.consumerSequence = consumerSequence
            self.pending = pending
            self.publishedAt = Date(timeIntervalSince1970: TimeInterval(nanoseconds / 1_000_000) / 1000)
        }
    }

    public let subject: String
    public let headers: [String: String]
    public let payload: [UInt8]
    public let ackSubject: String
    public let metadata: Metadata
    let connection: NATSConnection

    /// Done: the server confirms it recorded the acknowledgement before this returns, so a
    /// caller that goes on knows the message will not come back.
    public func ack() async throws {
        _ = try await connection.request(ackSubject, payload: Array("+ACK".utf8), timeout: .seconds(10))
    }

    /// Done, each of `messages`, with the server confirming every one as `ack()` does, but in one
    /// write and one wait: a loader acknowledging a batch of 500 one by one paid a request, a
    /// timer and a task for each. Messages handed out on different connections are acknowledged
    /// per connection.
    public static func ack(_ messages: [JetStreamMessage]) async throws {
        let byConnection = Dictionary(grouping: messages) { ObjectIdentifier($0.connection) }
        for group in byConnection.values {
            _ = try await group[0].connection.requestAll(
                group.map { NATSConnection.Request(subject: $0.ackSubject, payload: Array("+ACK".utf8)) }, timeout: .seconds(10))
        }
    }

    /// Not done: deliver it again, after `delay` when one is given.
    public func nak(delay: Duration? = nil) async throws {
        let body = delay.map { #"-NAK {"delay":\#(JetStream.nanoseconds($0))}"# } ?? "-NAK"
        try await connection.publish(ackSubject, payload: Array(body.utf8))
    }

    /// Never deliver it again (a message that can never be processed).
    public func term() async throws {
        try await connection.publish(ackSubject, payload: Array("+TERM".utf8))
    }

    /// Still working on it: the ack wait starts again.
    public func inProgress() async throws {
        try await connection.publish(ackSubject, payload: Array("+WPI".utf8))
    }
}
