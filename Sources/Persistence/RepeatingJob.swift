import Logging
import ServiceLifecycle

/// Runs `work` every `interval` until the process shuts down. A round that fails is logged as
/// "<what> paused" with the database's reason and the next round tries again: background work
/// that claims rows from PostgreSQL (the webhook inbox, payouts) must outlive a database hiccup.
/// Each round is reported to the process's `JobBoard`.
public struct RepeatingJob: Sendable {
    let what: String
    let interval: Duration
    let logger: Logger
    let work: @Sendable () async throws -> Void

    public init(_ what: String, every interval: Duration, logger: Logger, work: @escaping @Sendable () async throws -> Void) {
        self.what = what
        self.interval = interval
        self.logger = logger
        self.work = work
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await work()
                await JobBoard.process.finished(what)
            } catch {
                let reason = postgresReason(error)
                logger.error("\(what) paused", metadata: ["reason": "\(reason)"])
                await JobBoard.process.finished(what, error: reason)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
