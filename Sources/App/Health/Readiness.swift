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
///
/// A check that fails (connection refused, an error answer) makes its dependency `down` at
/// once. A check that merely does not answer within `timeout` makes it `slow` while the
/// dependency answered within `staleAfter`: a process too busy to finish a check in time is no
/// evidence that the dependency is gone. Before a dependency's first answer a missed deadline
/// is `pending` (not checked yet). After `staleAfter` without an answer (since the last one, or
/// since the first check) it is `down`.
/// `ok` and `slow` count as ready; `pending` and `down` do not.
actor ReadinessMonitor: Service {
    enum State: String, Sendable {
        case ok, slow, pending, down

        var isReady: Bool { self == .ok || self == .slow }
    }

    struct Result: Sendable, Equatable {
        let name: String
        let state: State
        let latencyMilliseconds: Int
        let error: String?
    }

    private let checks: [DependencyCheck]
    private let timeout: Duration
    private let staleAfter: Duration
    private let interval: Duration
    private let now: @Sendable () -> ContinuousClock.Instant
    private let deadline: @Sendable () async throws -> Void
    private let logger: Logger
    private var lastAnswer: [String: ContinuousClock.Instant] = [:]
    private var firstChecked: ContinuousClock.Instant?
    private var lastReady: [String: Bool] = [:]

    init(
        checks: [DependencyCheck], timeout: Duration = .seconds(2), staleAfter: Duration = .seconds(30), interval: Duration = .seconds(5),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        deadline: (@Sendable () async throws -> Void)? = nil, logger: Logger
    ) {
        self.checks = checks
        self.timeout = timeout
        self.staleAfter = staleAfter
        self.interval = interval
        self.now = now
        self.deadline = deadline ?? { try await Task.sleep(for: timeout) }
        self.logger = logger
    }

    func evaluate() async -> [Result] {
        if firstChecked == nil { firstChecked = now() }
        let deadline = self.deadline
        let outcomes = await withTaskGroup(of: (String, Outcome, Duration).self) { group in
            for dependency in checks {
                group.addTask {
                    let start = ContinuousClock.now
                    let outcome = await Self.run(dependency, deadline: deadline)
                    return (dependency.name, outcome, ContinuousClock.now - start)
                }
            }
            var collected: [(String, Outcome, Duration)] = []
            for await outcome in group { collected.append(outcome) }
            return collected
        }
        let results = outcomes.map { name, outcome, elapsed in result(name: name, outcome: outcome, elapsed: elapsed) }.sorted {
            $0.name < $1.name
        }
        for result in results { logChange(result) }
        return results
    }

    func run() async throws {
        let interval = self.interval
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            _ = await evaluate()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    private enum Outcome: Sendable {
        case answered
        case failed(String)
        case noAnswer
    }

    private func result(name: String, outcome: Outcome, elapsed: Duration) -> Result {
        let milliseconds = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        switch outcome {
        case .answered:
            lastAnswer[name] = now()
            return Result(name: name, state: .ok, latencyMilliseconds: milliseconds, error: nil)
        case .failed(let reason):
            return Result(name: name, state: .down, latencyMilliseconds: milliseconds, error: reason)
        case .noAnswer:
            let waited = "no answer within \(timeout)"
            let since = lastAnswer[name] ?? firstChecked ?? now()
            if now() - since <= staleAfter {
                let state: State = lastAnswer[name] == nil ? .pending : .slow
                return Result(name: name, state: state, latencyMilliseconds: milliseconds, error: waited)
            }
            return Result(name: name, state: .down, latencyMilliseconds: milliseconds, error: "\(waited), and none for over \(staleAfter)")
        }
    }

    private func logChange(_ result: Result) {
        let ready = result.state.isReady
        guard lastReady[result.name] != ready else { return }
        if ready {
            if lastReady[result.name] != nil { logger.notice("dependency recovered", metadata: ["dependency": "\(result.name)"]) }
        } else if result.state == .down {
            logger.error("dependency unavailable", metadata: ["dependency": "\(result.name)", "reason": "\(result.error ?? "unknown")"])
        } else {
            logger.notice(
                "dependency not checked yet", metadata: ["dependency": "\(result.name)", "reason": "\(result.error ?? "unknown")"])
        }
        lastReady[result.name] = ready
    }

    /// Races the check against `deadline` (which returns when the time for an answer is up).
    private static func run(_ dependency: DependencyCheck, deadline: @escaping @Sendable () async throws -> Void) async -> Outcome {
        do {
            return try await beforeDeadline({ try await dependency.check() }, deadline: deadline) == nil ? .noAnswer : .answered
        } catch {
            return .failed(String(describing: error))
        }
    }
}

extension DependencyCheck {
    static func postgres(_ database: Database, logger: Logger) -> DependencyCheck {
        DependencyCheck(name: "postgres") { try await database.ping(logger: logger) }
    }

    /// A JetStream round trip on the process's shared NATS connection (opening it if needed);
    /// a connection that fails the check is discarded so the next check opens a fresh one.
    static func nats(_ link: NATSLink) -> DependencyCheck {
        DependencyCheck(name: "nats") {
            let connection = try await link.connection()
            do {
                try await JetStream(connection: connection).accountInfo()
            } catch {
                await link.discard(connection)
                throw error
            }
        }
    }

    static func clickHouse(_ client: ClickHouseClient) -> DependencyCheck {
        DependencyCheck(name: "clickhouse") { try await client.probe() }
    }
}
