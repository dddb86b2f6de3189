import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport

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
            let response = try await client.execute(uri: "/health/ready", method: .get)
            #expect(response.status == .ok)
            let json = try response.json()
            #expect(json["status"] as? String == "ok")
            let checks = try #require(json["checks"] as? [String: [String: Any]])
            #expect(Set(checks.keys) == ["postgres", "nats", "clickhouse"])
            for (name, check) in checks { #expect(check["status"] as? String == "ok", "\(name)") }
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
            _ = try await client.execute(uri: "/health/ready", method: .get)
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

    @Test func recoversByItselfWhenTheDependencyReturns() async throws {
        let dependency = Switch()
        let monitor = ReadinessMonitor(checks: [DependencyCheck(name: "clickhouse") { try dependency.check() }], logger: TestServices.logger)
        #expect(await monitor.evaluate().allSatisfy(\.healthy))
        dependency.set(false)
        let down = await monitor.evaluate()
        #expect(down.first?.healthy == false)
        #expect(down.first?.error == "connection refused")
        dependency.set(true)
        #expect(await monitor.evaluate().allSatisfy(\.healthy))
    }

    @Test func aHangingDependencyTimesOut() async throws {
        let monitor = ReadinessMonitor(
            checks: [DependencyCheck(name: "slow") { try await Task.sleep(for: .seconds(30)) }], timeout: .milliseconds(200),
            logger: TestServices.logger)
        let result = await monitor.evaluate()
        #expect(result.first?.healthy == false)
        #expect(result.first?.error?.contains("no answer within") == true)
    }
}
