import NIOCore
import NIOPosix

/// Work that keeps a core busy for a noticeable time (bcrypt, RSA key generation) runs on
/// threads of its own: on Swift's concurrency threads it stalls every task queued behind it
/// (seen as tests starved for minutes on a loaded machine), and on NIO's shared thread pool it
/// stalls the file reads of static files behind it.
public enum CPUBoundWork {
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: max(1, System.coreCount))
        pool.start()
        return pool
    }()

    public static func run<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await pool.runIfActive(body)
    }
}
