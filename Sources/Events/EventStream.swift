import Core

/// The JetStream stream the outbox is published to. Contexts write outbox subjects as
/// `croupier.<context>.<event>`; the stream captures `<prefix>.>` where the prefix is its name in
/// lower case, so the default stream `CROUPIER` publishes them unchanged. Another stream (each
/// test app has its own, so no test sees another's events) publishes them under its own prefix,
/// because two streams may not capture the same subjects.
public struct EventStream: Sendable, Equatable {
    public static let standard = EventStream(name: "CROUPIER")
    static let outboxPrefix = "croupier"

    public let name: String
    /// How many JetStream servers keep a copy of each message (1 on a single server; 3 on a
    /// 3-node cluster, so that losing one node loses nothing and stops nothing).
    public let replicas: Int
    /// Days an event stays in the stream: longer than any outage the loader must catch up on.
    public let maxAgeDays: Int

    /// `name` must pass `Configuration.isValidStreamName` (the configuration reader checks it).
    public init(name: String, replicas: Int = 1, maxAgeDays: Int = 30) {
        precondition(Configuration.isValidStreamName(name), "invalid JetStream stream name \(name.debugDescription)")
        precondition((1...5).contains(replicas), "a JetStream stream has 1 to 5 replicas")
        self.name = name
        self.replicas = replicas
        self.maxAgeDays = maxAgeDays
    }

    public var subjectPrefix: String { name.lowercased() }
    public var subjects: [String] { ["\(subjectPrefix).>"] }

    /// The subject an outbox row is published under.
    public func subject(forOutboxSubject subject: String) -> String {
        guard subject.hasPrefix(Self.outboxPrefix + ".") else { return subject }
        return subjectPrefix + subject.dropFirst(Self.outboxPrefix.count)
    }
}
