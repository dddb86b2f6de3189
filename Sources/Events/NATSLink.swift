import ServiceLifecycle

/// The one NATS connection a process shares between the parts that talk to NATS (the outbox
/// relay, the readiness check): opened on first use, reopened after a failure. Sharing it means
/// a readiness probe costs one round trip on a warm connection instead of a new TCP connection
/// and handshake, which a busy machine can take seconds to complete. As a service it closes the
/// connection at shutdown; list it before its users so it stops after them.
///
/// `url` may list several servers of one cluster, comma-separated
/// (`nats://10.0.0.1:4222,nats://10.0.0.2:4222`): a connection goes to the first that answers,
/// starting after the server of the last connection that failed, so losing one node moves the
/// process to another.
public actor NATSLink: Service {
    public let url: String
    /// The servers `url` lists, in order.
    public nonisolated let servers: [String]
    private let connectTimeout: Duration
    private var current: NATSConnection?
    private var currentServer = 0
    /// Where the next connection attempt starts.
    private var nextServer = 0
    private var opening: Task<(NATSConnection, Int), any Error>?
    /// Set once the process closed the link on its way out; users stop instead of reconnecting.
    public private(set) var isClosed = false

    public init(url: String, connectTimeout: Duration = .seconds(30)) {
        self.url = url
        let listed = url.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        self.servers = listed.isEmpty ? [url] : listed
        self.connectTimeout = connectTimeout
    }

    /// The open connection, connecting if there is none. Callers arriving while a connection is
    /// being opened wait for that one rather than opening their own.
    public func connection() async throws -> NATSConnection {
        if isClosed { throw NATSError.closed }
        if let current {
            if await current.isOpen { return current }
            self.current = nil
            nextServer = (currentServer + 1) % servers.count
        }
        if let opening { return try await opening.value.0 }
        let (servers, start, timeout) = (self.servers, nextServer, connectTimeout)
        let task = Task { try await Self.connectToFirstAnswering(servers, from: start, timeout: timeout) }
        opening = task
        do {
            let (connection, index) = try await task.value
            opening = nil
            current = connection
            currentServer = index
            nextServer = index
            return connection
        } catch {
            opening = nil
            throw error
        }
    }

    /// Tries each server once, from `start`; the last failure when none answers.
    private static func connectToFirstAnswering(_ servers: [String], from start: Int, timeout: Duration) async throws -> (
        NATSConnection, Int
    ) {
        var failure: (any Error)?
        for offset in servers.indices {
            let index = (start + offset) % servers.count
            do {
                return (try await NATSConnection.connect(url: servers[index], timeout: timeout), index)
            } catch {
                failure = error
            }
        }
        throw failure ?? NATSError.invalidURL("")
    }

    /// Closes `connection` after a caller saw it fail, so the next caller opens a new one,
    /// starting with the next server.
    public func discard(_ connection: NATSConnection) async {
        if current === connection {
            current = nil
            nextServer = (currentServer + 1) % servers.count
        }
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
