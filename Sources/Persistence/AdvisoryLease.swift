import Foundation
import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// A named lease that at most one process per database holds: a PostgreSQL session-level
/// advisory lock, taken with `pg_try_advisory_lock` on the process's `LeaseSession` (one
/// connection outside the pool, whatever the number of leases). A job that must not run twice
/// at once across `serve` and `worker` copies (a schedule, a reconciliation) runs only while its
/// process holds the lease.
///
/// - The holder keeps the lease until its job returns, it stops, or its session goes: PostgreSQL
///   releases a session lock when the session ends, so a process killed with SIGKILL loses it as
///   soon as the server sees the socket close (at once on one machine; across a network, after
///   the server's TCP keepalive gives up).
/// - The others try again every `retryInterval` (their session is open only for the try), so one
///   of them takes over within about that.
/// - The holder checks its session every `checkInterval`; when it closed, or does not answer, the
///   lock may be gone, so the job is cancelled, the session closed, and the process goes back to
///   trying. Between the loss and the check both could run: a lease, not a fence, so leased jobs
///   must stay idempotent.
public struct AdvisoryLease: Sendable {
    public enum Event: Sendable, Equatable {
        /// Another session holds it.
        case refused
        case acquired
        /// The holder's connection failed its check; the job was cancelled.
        case lost
        /// The job returned or stopped, and the lock was given back.
        case released
    }

    public let name: String
    /// The advisory lock's key: FNV-1a (64 bits) of `croupier.lease.<name>`.
    public let key: Int64
    let session: LeaseSession
    let logger: Logger
    let retryInterval: Duration
    let checkInterval: Duration
    let observe: @Sendable (Event) -> Void
    private let held: Gauge

    /// `name`: 1–40 of a-z, 0-9 and `-`.
    public init(
        name: String, session: LeaseSession, logger: Logger, retryInterval: Duration = .seconds(5), checkInterval: Duration = .seconds(5),
        observe: @escaping @Sendable (Event) -> Void = { _ in }
    ) {
        precondition(
            (1...40).contains(name.count) && name.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" },
            "invalid lease name \(name.debugDescription)")
        self.name = name
        self.key = Self.key(for: name)
        self.session = session
        self.logger = logger
        self.retryInterval = retryInterval
        self.checkInterval = checkInterval
        self.observe = observe
        self.held = Gauge(label: "croupier_lease_held", dimensions: [("lease", name)])
    }

    static func key(for name: String) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "croupier.lease.\(name)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    /// Runs `job` whenever this process holds the lease, until the job returns or throws (as it
    /// did) or the task is cancelled or shut down gracefully. A lost lease cancels the job, which
    /// is run again the next time the lease is taken.
    public func run(_ job: @escaping @Sendable () async throws -> Void) async throws {
        var reportedFailure = false
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let finished: Result<Void, any Error>?
            do {
                finished = try await attempt(job)
                reportedFailure = false
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { return }
                if !reportedFailure {
                    logger.warning("lease not taken", metadata: ["lease": "\(name)", "reason": "\(postgresReason(error))"])
                    reportedFailure = true
                }
                finished = nil
            }
            if let finished { return try finished.get() }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: retryInterval) }
        }
    }

    /// Runs `job` if the lock is free: how the job ended, or nil when the lock was held by another
    /// or lost.
    private func attempt(_ job: @escaping @Sendable () async throws -> Void) async throws -> Result<Void, any Error>? {
        guard let generation = try await session.tryLock(key) else {
            observe(.refused)
            return nil
        }
        held.record(1)
        observe(.acquired)
        logger.notice("lease acquired", metadata: ["lease": "\(name)", "key": "\(key)"])
        let outcome = await holding(generation, job)
        held.record(0)
        switch outcome {
        case .lost(let reason):
            observe(.lost)
            logger.error("lease lost; its job was stopped", metadata: ["lease": "\(name)", "reason": "\(reason)"])
            return nil
        case .finished(let error):
            // In a task of its own: the job may have ended because this task was cancelled.
            await Task { [session, key] in await session.unlock(key, generation: generation) }.value
            observe(.released)
            logger.notice("lease released", metadata: ["lease": "\(name)"])
            if let error { return .failure(error) }
            return .success(())
        }
    }

    private enum Outcome: Sendable {
        case finished((any Error)?)
        case lost(String)
    }

    /// Runs `job` beside a check of the lock's session; whichever ends first ends the other.
    private func holding(_ generation: Int, _ job: @escaping @Sendable () async throws -> Void) async -> Outcome {
        await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                do {
                    try await job()
                    return .finished(nil)
                } catch {
                    return .finished(error)
                }
            }
            group.addTask {
                while true {
                    do {
                        try await Task.sleep(for: checkInterval)
                    } catch {
                        return nil  // cancelled: the job ended
                    }
                    if let problem = await session.check(generation) {
                        return Task.isCancelled ? nil : .lost(problem)
                    }
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? .finished(nil)
        }
    }
}

/// A background service that runs only while its process holds `lease`.
public struct Leased: Service {
    public let lease: AdvisoryLease
    let service: any Service

    public init(_ service: any Service, lease: AdvisoryLease) {
        self.service = service
        self.lease = lease
    }

    public func run() async throws {
        try await lease.run { [service] in try await service.run() }
    }
}
