import Foundation
import Hummingbird

/// `/health/live` (the process answers), `/health/ready` (each dependency's state, 503 unless
/// every one is ready; see `ReadinessMonitor`) and `/metrics` (Prometheus text format).
struct HealthController {
    let readiness: ReadinessMonitor

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/health/live") { _, _ in
            Self.json(#"{"status":"ok"}"#, status: .ok)
        }
        router.get("/health/ready") { _, _ in
            let results = await readiness.evaluate()
            var checks: [String: Any] = [:]
            for result in results {
                var entry: [String: Any] = ["status": result.state.rawValue, "latencyMs": result.latencyMilliseconds]
                if let error = result.error { entry["error"] = error }
                checks[result.name] = entry
            }
            let healthy = results.allSatisfy(\.state.isReady)
            let body = try JSONSerialization.data(
                withJSONObject: ["status": healthy ? "ok" : "unavailable", "checks": checks], options: [.sortedKeys])
            return Self.json(String(decoding: body, as: UTF8.self), status: healthy ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: MetricsRegistry.shared.emitToBuffer())))
        }
    }

    static func json(_ text: String, status: HTTPResponse.Status) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
