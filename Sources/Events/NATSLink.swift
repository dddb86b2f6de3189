import ServiceLifecycle

/// The one NATS connection a process shares between the parts that talk to NATS (the outbox
/// relay, the readiness check): opened on first use, reopened after a failure. Sharing it means
/// a readiness probe costs one round trip on a warm connection instead of a new TCP connection
/// and handshake, which a busy machine can take seconds to complete. As a service it closes the
/// connection at shutdown; list it before its users so it stops after them.
public actor NATSLink: Service {
    public let url: String
    private let connectTimeout: Duration
    private var current: NATSConnection?
    private var opening: Task<NATSConnection, any Error>?
    /// Set once the process closed the link on its way out; users stop instead of reconnecting.
    public private(set) var isClosed = false

    public init(url: String, connectTimeout: Duration = .seconds(30)) {
        self.url = url
        self.connectTimeout = connectTimeout
    }

    /// The open connection, connecting if there is none. Callers arriving while a connection is
    /// being opened wait for that one rather than opening their own.
    public func connection() async throws -> NATSConnection {
        if isClosed { throw NATSError.closed }
        if let current, await current.isOpen { return current }
        if let opening { return try await opening.value }
        let (url, timeout) = (self.url, connectTimeout)
        let task = Task { try await NATSConnection.connect(url: url, timeout: timeout) }
        opening = task
        do {
            let connection = try await task.value
            opening = nil
            current = connection
            return connection
        } catch {
            opening = nil
            throw error
        }
    }

    /// Closes `connection` after a caller saw it fail, so the next caller opens a new one.
    public func discard(_ connection: NATSConnection) async {
        if current === connection { current = nil }
        await connection.close()
    }

    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    public func close() async {
        isClosed = true
        if let current { await current.close() }
        current = nil
    }
}
