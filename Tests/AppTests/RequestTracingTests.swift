import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InMemoryTracing
import Testing
import Tracing

@testable import App

/// The request's server span (docs/operations.md, "Traces"): named by the route, free of the
/// path's and query's contents, the parent of what handlers do, failed only by a 5xx.
@Suite struct RequestTracingTests {
    /// A router with the tracing middleware and a few routes, as the app places it: first.
    static func run(_ tracer: InMemoryTracer, _ request: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = Router()
        router.add(middleware: RequestTracingMiddleware(tracer: tracer))
        router.get("/admin/enroll/:token") { _, _ in "enrol" }
        router.get("/child") { _, _ in
            tracer.withSpan("inside the handler") { _ in "child" }
        }
        router.get("/broken") { _, _ -> String in throw HTTPError(.internalServerError) }
        router.get("/refused") { _, _ -> String in throw HTTPError(.forbidden) }
        router.post("/providers/:code/transaction/bet") { _, _ in "ok" }
        router.get("/health/live") { _, _ in "ok" }
        router.get("/metrics") { _, _ in "" }
        try await Application(router: router).test(.router, request)
    }

    /// Every attribute's value as text (`SpanAttributes` offers only `forEach`).
    static func attributeValues(_ span: FinishedInMemorySpan) -> String {
        String(describing: span.attributes)
    }

    @Test func theSpanIsNamedByTheRouteAndKeepsThePathAndQueryOut() async throws {
        let tracer = InMemoryTracer()
        try await Self.run(tracer) { client in
            let response = try await client.execute(uri: "/admin/enroll/ENROL-SECRET?q=player@example.com", method: .get)
            #expect(response.status == .ok)
        }
        let span = try #require(tracer.finishedSpans.first)
        #expect(tracer.finishedSpans.count == 1)
        #expect(span.operationName == "GET /admin/enroll/{token}")
        #expect(span.kind == .server)
        #expect(span.attributes.get("http.route") == .string("/admin/enroll/{token}"))
        #expect(span.attributes.get("http.request.method") == .string("GET"))
        #expect(span.attributes.get("http.response.status_code") == .int64(200))
        #expect(span.status == nil)
        let values = Self.attributeValues(span)
        #expect(values.contains("/admin/enroll/{token}"), "the text holds the values: \(values)")
        #expect(!values.contains("ENROL-SECRET") && !values.contains("example.com"), "\(values)")
    }

    @Test func spansStartedByTheHandlerAreChildrenOfTheRequest() async throws {
        let tracer = InMemoryTracer()
        try await Self.run(tracer) { client in
            let response = try await client.execute(uri: "/child", method: .get)
            #expect(response.status == .ok)
        }
        let child = try #require(tracer.finishedSpans.first { $0.operationName == "inside the handler" })
        let request = try #require(tracer.finishedSpans.first { $0.operationName == "GET /child" })
        #expect(child.traceID == request.traceID)
        #expect(child.parentSpanID == request.spanID)
    }

    @Test func aServerErrorFailsTheSpanAndARefusalDoesNot() async throws {
        let tracer = InMemoryTracer()
        try await Self.run(tracer) { client in
            let broken = try await client.execute(uri: "/broken", method: .get)
            let refused = try await client.execute(uri: "/refused", method: .get)
            #expect(broken.status == .internalServerError && refused.status == .forbidden)
        }
        let broken = try #require(tracer.finishedSpans.first { $0.operationName == "GET /broken" })
        let refused = try #require(tracer.finishedSpans.first { $0.operationName == "GET /refused" })
        #expect(broken.status?.code == .error)
        #expect(broken.attributes.get("http.response.status_code") == .int64(500))
        #expect(broken.attributes.get("error.type") != nil)
        #expect(refused.status == nil)
        #expect(refused.attributes.get("http.response.status_code") == .int64(403))
    }

    @Test func aProvidersTraceparentIsContinuedAndABrowsersIsNot() async throws {
        let tracer = InMemoryTracer()
        try await Self.run(tracer) { client in
            // What InMemoryTracer injects; OpenTelemetry's tracer reads W3C `traceparent` the same way.
            let headers: HTTPFields = [
                HTTPField.Name(InMemoryTracer.traceIDKey)!: "caller-trace", HTTPField.Name(InMemoryTracer.spanIDKey)!: "caller-span",
            ]
            let wallet = try await client.execute(uri: "/providers/hub88/transaction/bet", method: .post, headers: headers)
            let page = try await client.execute(uri: "/child", method: .get, headers: headers)
            #expect(wallet.status == .ok && page.status == .ok)
        }
        let wallet = try #require(tracer.finishedSpans.first { $0.operationName == "POST /providers/{code}/transaction/bet" })
        #expect(wallet.traceID == "caller-trace")
        #expect(wallet.parentSpanID == "caller-span")
        let page = try #require(tracer.finishedSpans.first { $0.operationName == "GET /child" })
        #expect(page.traceID != "caller-trace" && page.parentSpanID == nil, "a browser cannot choose its trace")
    }

    @Test func probesAndScrapesMakeNoSpans() async throws {
        let tracer = InMemoryTracer()
        try await Self.run(tracer) { client in
            let live = try await client.execute(uri: "/health/live", method: .get)
            let metrics = try await client.execute(uri: "/metrics", method: .get)
            #expect(live.status == .ok && metrics.status == .ok)
        }
        #expect(tracer.finishedSpans.isEmpty)
    }

    @Test func theSpanNameFallsBackToTheMethodWithoutARoute() {
        #expect(RequestTracingMiddleware<BasicRequestContext>.spanName(method: "GET", route: nil) == "GET")
        #expect(RequestTracingMiddleware<BasicRequestContext>.spanName(method: "POST", route: "/x/{id}") == "POST /x/{id}")
    }
}
