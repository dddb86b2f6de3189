import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InMemoryTracing
import Logging
import OTel
import Testing
import Tracing

@testable import App

/// Where people meet the trace id (docs/operations.md, "Traces"): the JSON log lines written
/// inside a span, and the error page and `X-Trace-ID` beside the request id; nowhere when the
/// request is not traced.
@Suite struct TraceIDTests {
    /// swift-otel's tracer, not bootstrapped and exporting nothing: real OpenTelemetry ids.
    static func otelTracer(sampled: Bool = true) throws -> any Tracer {
        var configuration = OTel.Configuration.default
        configuration.traces.exporter = .none
        configuration.traces.sampler = sampled ? .alwaysOn : .alwaysOff
        configuration.diagnosticLogger = .custom(Logger(label: "otel", factory: { _ in SwiftLogNoOpLogHandler() }))
        return try OTel.makeTracingBackend(configuration: configuration).factory
    }

    static func fields(_ line: Data?) throws -> [String: Any] {
        let data = try #require(line)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func aLogLineInsideASpanCarriesItsTraceAndSpanIDs() throws {
        let tracer = try Self.otelTracer()
        let handler = JSONLogHandler(label: "test", level: .info, metadataProvider: OTel.makeLoggingMetadataProvider())
        let event = LogEvent(level: .info, message: "hello", metadata: nil, source: nil, file: #fileID, function: #function, line: #line)
        let (inside, traceID) = tracer.withSpan("request") { span in (handler.line(for: event), span.context.otelTraceID) }
        let fields = try Self.fields(inside)
        #expect(fields["msg"] as? String == "hello")
        #expect(fields["trace_id"] as? String == traceID)
        #expect((fields["trace_id"] as? String)?.count == 32)
        #expect((fields["span_id"] as? String)?.count == 16)

        let outside = try Self.fields(handler.line(for: event))
        #expect(outside["trace_id"] == nil && outside["span_id"] == nil)
    }

    @Test func theCurrentTraceIsTheSampledOpenTelemetryTraceOnly() throws {
        #expect(CurrentTrace.id == nil)
        let traced = try Self.otelTracer().withSpan("request") { span in (CurrentTrace.id, span.context.otelTraceID) }
        #expect(traced.0 != nil && traced.0 == traced.1)
        #expect(try Self.otelTracer(sampled: false).withSpan("request") { _ in CurrentTrace.id } == nil)
        #expect(InMemoryTracer().withSpan("request") { _ in CurrentTrace.id } == nil)
    }

    /// The app's first middleware (tracing, when on) and its error page, over a failing route.
    static func failing(tracer: (any Tracer)?, _ request: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let pages = try await PageRenderer.load(
            resources: packageRoot().appendingPathComponent("Sources/App/Resources"),
            csrf: CSRFProtection(secret: .random(), secureCookies: false), environment: .test)
        let router = Router(context: AppRequestContext.self)
        if let tracer { router.add(middleware: RequestTracingMiddleware(tracer: tracer)) }
        router.add(middleware: ErrorPageMiddleware(pages: pages))
        router.get("/broken") { _, _ -> String in throw HTTPError(.internalServerError) }
        router.get("/api/v1/broken") { _, _ -> String in throw HTTPError(.internalServerError) }
        try await Application(router: router).test(.router, request)
    }

    @Test func theErrorPageShowsTheTraceIDBesideTheRequestID() async throws {
        try await Self.failing(tracer: try Self.otelTracer()) { client in
            let page = try await client.execute(uri: "/broken", method: .get, headers: [.accept: "text/html", .acceptLanguage: "en"])
            #expect(page.status == .internalServerError)
            let traceID = try #require(page.headers[ErrorPageMiddleware.traceIDHeader])
            #expect(traceID.count == 32)
            let html = String(buffer: page.body)
            #expect(html.contains("Trace ID") && html.contains(traceID))
            #expect(html.contains(try #require(page.headers[ErrorPageMiddleware.requestIDHeader])))

            let api = try await client.execute(uri: "/api/v1/broken", method: .get)
            let apiTraceID = try #require(api.headers[ErrorPageMiddleware.traceIDHeader])
            #expect(apiTraceID != traceID, "each request is its own trace")
            #expect(!String(buffer: api.body).contains(apiTraceID), "the JSON body keeps the contract's shape")
        }
    }

    @Test func anUntracedRequestShowsNoTraceID() async throws {
        try await Self.failing(tracer: nil) { client in
            let page = try await client.execute(uri: "/broken", method: .get, headers: [.accept: "text/html", .acceptLanguage: "en"])
            #expect(page.status == .internalServerError)
            #expect(String(buffer: page.body).contains("Request ID"))
            #expect(page.headers[ErrorPageMiddleware.traceIDHeader] == nil)
            #expect(!String(buffer: page.body).contains("Trace ID"))
        }
    }
}
