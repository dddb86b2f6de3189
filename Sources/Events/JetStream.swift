import Foundation

/// The JetStream API over a core NATS connection: streams, de-duplicated publishes.
public struct JetStream: Sendable {
    public let connection: NATSConnection

    public init(connection: NATSConnection) {
        self.connection = connection
    }

    public struct PublishAck: Sendable, Equatable {
        public let stream: String
        public let sequence: UInt64
        /// True when the server had already stored a message with this `Nats-Msg-Id`.
        public let duplicate: Bool
    }

    /// `$JS.API.INFO`: fails unless JetStream is enabled for this account.
    public func accountInfo() async throws {
        _ = try await call("$JS.API.INFO", body: [:])
    }

    /// Creates the stream, or updates its subjects, replica count and age limit when it exists.
    /// `replicas` above 1 needs a JetStream cluster with at least that many servers. Messages older
    /// than `maxAgeDays` are dropped (0 keeps them for ever).
    public func ensureStream(
        name: String, subjects: [String], replicas: Int = 1, duplicateWindowSeconds: Int = 120, maxAgeDays: Int = 0
    ) async throws {
        let config: [String: Any] = [
            "name": name, "subjects": subjects, "storage": "file", "retention": "limits", "num_replicas": replicas,
            "duplicate_window": duplicateWindowSeconds * 1_000_000_000, "max_age": maxAgeDays * 86_400 * 1_000_000_000,
        ]
        do {
            _ = try await call("$JS.API.STREAM.CREATE.\(name)", body: config)
        } catch NATSError.serverError(let message) where message.contains("already in use") {
            _ = try await call("$JS.API.STREAM.UPDATE.\(name)", body: config)
        }
    }

    /// What the stream holds now (`$JS.API.STREAM.INFO`).
    public struct StreamInfo: Sendable, Equatable {
        public let messages: UInt64
        /// The age limit in days (0: none).
        public let maxAgeDays: Int
        public let bytes: UInt64
        public let lastSequence: UInt64
        public let lastMessageAt: Date?
        public let consumers: Int
    }

    public func streamInfo(name: String) async throws -> StreamInfo {
        let json = try await call("$JS.API.STREAM.INFO.\(name)", body: [:])
        guard let state = json["state"] as? [String: Any] else { throw NATSError.protocolError("stream info without a state") }
        let number = { (key: String) in (state[key] as? NSNumber)?.uint64Value ?? 0 }
        let messages = number("messages")
        let config = json["config"] as? [String: Any]
        return StreamInfo(
            messages: messages, maxAgeDays: Int(((config?["max_age"] as? NSNumber)?.int64Value ?? 0) / (86_400 * 1_000_000_000)),
            bytes: number("bytes"), lastSequence: number("last_seq"),
            lastMessageAt: messages == 0 ? nil : (state["last_ts"] as? String).flatMap(Self.secondsOf),
            consumers: (state["consumer_count"] as? NSNumber)?.intValue ?? 0)
    }

    /// The server writes RFC 3339 times with nanoseconds; seconds are enough for people.
    static func secondsOf(_ time: String) -> Date? {
        guard time.count >= 19 else { return nil }
        return ISO8601DateFormatter().date(from: String(time.prefix(19)) + "Z")
    }

    public func deleteStream(name: String) async throws {
        _ = try await call("$JS.API.STREAM.DELETE.\(name)", body: [:])
    }

    /// Publishes one message; `messageID` makes a retried publish a no-op within the window.
    public func publish(subject: String, messageID: String, headers: [String: String] = [:], payload: [UInt8]) async throws -> PublishAck {
        try await publish([Outgoing(subject: subject, messageID: messageID, headers: headers, payload: payload)])[0]
    }

    /// A message to publish: `messageID` (`Nats-Msg-Id`) makes publishing it again a no-op.
    public struct Outgoing: Sendable {
        public let subject: String
        public let messageID: String
        public let headers: [String: String]
        public let payload: [UInt8]

        public init(subject: String, messageID: String, headers: [String: String] = [:], payload: [UInt8]) {
            self.subject = subject
            self.messageID = messageID
            self.headers = headers
            self.payload = payload
        }
    }

    /// Publishes `messages` in one write and returns their acknowledgements in the same order.
    /// The server stores them in the order sent. Any failure fails the whole call, though some
    /// may have been stored: publishing them all again stores each once.
    public func publish(_ messages: [Outgoing]) async throws -> [PublishAck] {
        let replies = try await connection.requestAll(
            messages.map { message in
                NATSConnection.Request(
                    subject: message.subject, headers: message.headers.merging(["Nats-Msg-Id": message.messageID]) { _, id in id },
                    payload: message.payload)
            })
        return try zip(messages, replies).map { message, reply in try Self.acknowledgement(reply, of: message.subject) }
    }

    private struct AcknowledgementBody: Decodable {
        struct Failure: Decodable { let description: String? }
        let stream: String?
        let seq: UInt64?
        let duplicate: Bool?
        let error: Failure?
    }

    static func acknowledgement(_ reply: NATSConnection.Message, of subject: String) throws -> PublishAck {
        if reply.status == 503 { throw NATSError.serverError("no stream captures \(subject)") }
        // Whatever does not decode is reported with the payload itself, below.
        let body = try? JSONDecoder().decode(AcknowledgementBody.self, from: Data(reply.payload))
        if let error = body?.error { throw NATSError.serverError(error.description ?? "JetStream error") }
        guard let stream = body?.stream, let sequence = body?.seq else {
            throw NATSError.protocolError("unexpected publish ack \(String(decoding: reply.payload, as: UTF8.self).prefix(200))")
        }
        return PublishAck(stream: stream, sequence: sequence, duplicate: body?.duplicate ?? false)
    }

    func call(_ subject: String, body: [String: Any]) async throws -> [String: Any] {
        let payload = try JSONSerialization.data(withJSONObject: body)
        let reply = try await connection.request(subject, payload: Array(payload))
        if reply.status == 503 { throw NATSError.serverError("JetStream is not enabled on this server") }
        return try decode(reply.payload)
    }

    private func decode(_ payload: [UInt8]) throws -> [String: Any] {
        guard let json = try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any] else {
            throw NATSError.protocolError("JetStream answered something that is not a JSON object")
        }
        if let error = json["error"] as? [String: Any] {
            throw NATSError.serverError((error["description"] as? String) ?? "JetStream error")
        }
        return json
    }
}
