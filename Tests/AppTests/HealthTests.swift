import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import TestSupport
import Testing

@testable import App

@Suite struct HealthTests {
    @Test func liveAnswersOK() async throws {
        try await withLiveApp { client in
            let response = try await client.execute(uri: "/health/live", method: .get)
            #expect(response.status == .ok)
            #expect(try response.json()["status"] as? String == "ok")
        }
    }

    @Test func readyReportsEachDependency() async throws {
        try await withLiveApp { client in
            let response = try await readyAnswer(client)
            #expect(response.status == .ok)
            let json = try response.json()
            #expect(json["status"] as? String == "ok")
            let checks = try #require(json["checks"] as? [String: [String: Any]])
            #expect(Set(checks.keys) == ["postgres", "nats", "clickhouse"])
            // Ready means each answered: at once (`ok`) or, on a machine too busy to answer within
            // the deadline this time, within the last 30 seconds (`slow`; seen with pgbench beside).
            for (name, check) in checks { #expect(["ok", "slow"].contains(check["status"] as? String), "\(name)") }
        }
    }

    @Test func anUnreachableClickHouseMakesReadiness503ButPagesStillServe() async throws {
        try await withLiveApp(clickHouseURL: "http://default@127.0.0.1:1/croupier") { client in
            let ready = try await client.execute(uri: "/health/ready", method: .get)
            #expect(ready.status == .serviceUnavailable)
            let checks = try #require(try ready.json()["checks"] as? [String: [String: Any]])
            #expect(checks["clickhouse"]?["status"] as? String == "down")
            #expect(checks["postgres"]?["status"] as? String == "ok")
            let landing = try await client.execute(uri: "/", method: .get)
            #expect(landing.status == .ok)
        }
    }

    @Test func metricsExposeRequestsLatencyAndThePool() async throws {
        try await withLiveApp { client in
            #expect(try await readyAnswer(client).status == .ok)
            _ = try await client.execute(uri: "/no-such-page", method: .get)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(metrics.status == .ok)
            #expect(metrics.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = metrics.text
            #expect(text.contains(#"hb_requests{http_route="/health/ready",http_request_method="GET",http_response_status_code="200"}"#))
            #expect(text.contains(#"http_response_status_code="404""#))
            #expect(text.contains("http_server_request_duration_bucket"))
            #expect(text.contains("croupier_db_pool_connections_in_use"))
            #expect(text.contains("croupier_db_pool_connections_max"))
        }
    }
}

@Suite struct ReadinessMonitorTests {
    final class Switch: @unchecked Sendable {
        let lock = NSLock()
        var up = true
        func set(_ value: Bool) { lock.withLock { up = value } }
        func check() throws {
            try lock.withLock { if !up { throw Down() } }
        }
        struct Down: Error, CustomStringConvertible { var description: String { "connection refused" } }
    }

    /// A clock the test moves by hand.
    final class HandClock: @unchecked Sendable {
        let lock = NSLock()
        var instant = ContinuousClock.now
        func now() -> ContinuousClock.Instant { lock.withLock { instant } }
        func advance(_ duration: Duration) { lock.withLock { instant += duration } }
    }

    /// A dependency that answers at once or hangs, with a deadline that is up at once for a
    /// hanging check and never for an answering one: whichever way the machine schedules the
    /// two, the outcome is the one the test set.
    final class Responsiveness: @unchecked Sendable {
        let lock = NSLock()
        var answers = true
        func set(_ value: Bool) { lock.withLock { answers = value } }
        func check() async throws {
            if lock.withLock({ answers }) { return }
            try await Task.sleep(for: .seconds(3600))
        }
        func deadline() async throws {
            if lock.withLock({ answers }) { try await Task.sleep(for: .seconds(3600)) }
        }
    }

    @Test func recoversByItselfWhenTheDependencyReturns() async throws {
        let dependency = Switch()
        let monitor = ReadinessMonitor(
            checks: [DependencyCheck(name: "clickhouse") { try dependency.check() }],
            deadline: { try await Task.sleep(for: .seconds(3600)) },
            logger: TestServices.logger)
        #expect(await monitor.evaluate().map(\.state) == [.ok])
        dependency.set(false)
        let down = await monitor.evaluate()
        #expect(down.first?.state == .down)
        #expect(down.first?.error == "connection refused")
        dependency.set(true)
        #expect(await monitor.evaluate().map(\.state) == [.ok])
    }

    @Test func aMissedDeadlineIsSlowWhileTheLastAnswerIsRecentThenDown() async throws {
        let clock = HandClock()
        let dependency = Responsiveness()
        let monitor = ReadinessMonitor(
            checks: [DependencyCheck(name: "nats") { try await dependency.check() }], staleAfter: .seconds(30), now: { clock.now() },
            deadline: { try await dependency.deadline() }, logger: TestServices.logger)
        #expect(await monitor.evaluate().map(\.state) == [.ok])
        dependency.set(false)
        clock.advance(.seconds(29))
        let slow = try #require(await monitor.evaluate().first)
        #expect(slow.state == .slow)
        #expect(slow.state.isReady, "a busy moment is not an outage")
        #expect(slow.error?.contains("no answer within") == true)
        clock.advance(.seconds(2))
        let down = try #require(await monitor.evaluate().first)
        #expect(down.state == .down)
        #expect(!down.state.isReady)
        dependency.set(true)
        #expect(await monitor.evaluate().map(\.state) == [.ok])
    }

    @Test func aDependencyThatNeverAnsweredIsPendingThenDown() async throws {
        let clock = HandClock()
        let dependency = Responsiveness()
        dependency.set(false)
        let monitor = ReadinessMonitor(
            checks: [DependencyCheck(name: "slow") { try await dependency.check() }], staleAfter: .seconds(30), now: { clock.now() },
            deadline: { try await dependency.deadline() }, logger: TestServices.logger)
        let result = try #require(await monitor.evaluate().first)
        #expect(result.state == .pending)
        #expect(!result.state.isReady, "not checked yet is not ready")
        #expect(result.error?.contains("no answer within") == true)
        clock.advance(.seconds(31))
        #expect(await monitor.evaluate().first?.state == .down, "still no answer 30 seconds after the first check")
    }
}
