import Events
import Foundation
import Logging
import Persistence
import Reporting
import ServiceLifecycle

/// One dependency that `/health/ready` reports.
struct DependencyCheck: Sendable {
    let name: String
    let check: @Sendable () async throws -> Void
}

/// The readiness of each dependency. It evaluates on demand (`/health/ready`) and every few
/// seconds in the background, and logs each change of state once, so an outage and its end
/// show in the log even when nobody is polling.
actor ReadinessMonitor: Service {
    struct Result: Sendable, Equatable {
        let name: String
        let healthy: Bool
        let latencyMilliseconds: Int
        let error: String?
    }

    private let checks: [DependencyCheck]
    private let timeout: Duration
    private let interval: Duration
    private let logger: Logger
    private var lastHealthy: [String: Bool] = [:]

    init(checks: [DependencyCheck], timeout: Duration = .seconds(2), interval: Duration = .seconds(5), logger: Logger) {
        self.checks = checks
        self.timeout = timeout
        self.interval = interval
        self.logger = logger
    }

    func evaluate() async -> [Result] {
        let timeout = self.timeout
        let checks = self.checks
        var results = await withTaskGroup(of: Result.self) { group in
            for dependency in checks {
                group.addTask { await Self.run(dependency, timeout: timeout) }
            }
            var collected: [Result] = []
            for await result in group { collected.append(result) }
            return collected
        }
        results.sort { $0.name < $1.name }
        for result in results where lastHealthy[result.name] != result.healthy {
            if result.healthy {
                if lastHealthy[result.name] != nil {
                    logger.notice("dependency recovered", metadata: ["dependency": "\(result.name)"])
                }
            } else {
                logger.error(
                    "dependency unavailable",
                    metadata: ["dependency": "\(result.name)", "reason": "\(result.error ?? "unknown")"])
            }
            lastHealthy[result.name] = result.healthy
        }
        return results
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            _ = await evaluate()
            try? await gracefulShutdownAwareSleep(interval)
        }
    }

    private func gracefulShutdownAwareSleep(_ duration: Duration) async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
    }

    private static func run(_ dependency: DependencyCheck, timeout: Duration) async -> Result {
        let start = ContinuousClock.now
        let failure: String?
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await dependency.check() }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    throw ReadinessTimeout(timeout: timeout)
                }
                defer { group.cancelAll() }
                try await group.next()
            }
            failure = nil
        } catch {
            failure = String(describing: error)
        }
        let elapsed = ContinuousClock.now - start
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        return Result(name: dependency.name, healthy: failure == nil, latencyMilliseconds: milliseconds, error: failure)
    }
}

struct ReadinessTimeout: Error, CustomStringConvertible {
    let timeout: Duration
    var description: String { "no answer within \(timeout)" }
}

extension DependencyCheck {
    static func postgres(_ database: Database, logger: Logger) -> DependencyCheck {
        DependencyCheck(name: "postgres") { try await database.ping(logger: logger) }
    }

    /// Connects afresh each time, so it also proves that new connections can be made.
    static func nats(url: String) -> DependencyCheck {
        DependencyCheck(name: "nats") {
            let connection = try await NATSConnection.connect(url: url, timeout: .seconds(2))
            do {
                try await JetStream(connection: connection).accountInfo()
                await connection.close()
            } catch {
                await connection.close()
                throw error
            }
        }
    }

    static func clickHouse(_ client: ClickHouseClient) -> DependencyCheck {
        DependencyCheck(name: "clickhouse") { try await client.ping() }
    }
}
