/// A durable pull consumer over a `NATSLink`, for a process that must read every event: a fetch
/// whose connection fails is retried on the link's next connection (with back-off while no server
/// answers) and the consumer is created again on each new connection, which also brings back one
/// a server lost. Callers see batches, or cancellation, or the link closing at shutdown.
public actor PullConsumer {
    public let link: NATSLink
    public let stream: String
    public let config: JetStream.ConsumerConfig
    private var ensuredOn: ObjectIdentifier?

    public init(link: NATSLink, stream: String, config: JetStream.ConsumerConfig) {
        self.link = link
        self.stream = stream
        self.config = config
    }

    /// The next batch (possibly empty when nothing arrived within `expires`).
    public func fetch(batch: Int, expires: Duration = .seconds(5)) async throws -> [JetStreamMessage] {
        var backOff = BackOff()
        while true {
            try Task.checkCancellation()
            if await link.isClosed { throw NATSError.closed }
            var connection: NATSConnection?
            do {
                let open = try await link.connection()
                connection = open
                let jetStream = JetStream(connection: open)
                if ensuredOn != ObjectIdentifier(open) {
                    try await jetStream.ensureConsumer(stream: stream, config)
                    ensuredOn = ObjectIdentifier(open)
                }
                return try await jetStream.fetch(stream: stream, durable: config.durable, batch: batch, expires: expires)
            } catch let error as NATSError {
                if case .invalidSubject = error { throw error }
                if case .invalidURL = error { throw error }
                if let connection, !(await connection.isOpen) { await link.discard(connection) }
                // A server error on an open connection (JetStream still starting after a restart,
                // say): the consumer is made again before the next try.
                ensuredOn = nil
            }
            await backOff.wait()
        }
    }
}
