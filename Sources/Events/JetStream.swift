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
        let reply = try await connection.request(
            subject, headers: headers.merging(["Nats-Msg-Id": messageID]) { _, id in id }, payload: payload)
        if reply.status == 503 { throw NATSError.serverError("no stream captures \(subject)") }
        let json = try decode(reply.payload)
        guard let stream = json["stream"] as? String, let sequence = (json["seq"] as? NSNumber)?.uint64Value else {
            throw NATSError.protocolError("unexpected publish ack \(String(decoding: reply.payload, as: UTF8.self).prefix(200))")
        }
        return PublishAck(stream: stream, sequence: sequence, duplicate: (json["duplicate"] as? Bool) ?? false)
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
