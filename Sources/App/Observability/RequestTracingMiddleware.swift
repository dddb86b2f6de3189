import HTTPTypes
import Hummingbird
import Persistence
import Tracing

/// One server span per request (docs/operations.md, "Traces"), named by the method and the route
/// pattern (`POST /providers/{code}/transaction/bet`), never by the path itself, and the parent of
/// every span the handlers start (SQL, outbound HTTP). A game provider's wallet call carrying W3C
/// `traceparent` (a Croupier Originals round calling the wallet, a provider that traces) continues
/// that trace; anyone else's starts a new one, so that a browser can neither choose the trace id
/// it is shown nor keep its requests out of sampling. Probes and scrapes (`/health/…`,
/// `/metrics`) make no traces: they would outnumber the requests on a quiet copy.
///
/// Hummingbird's `TracingMiddleware` also records the raw path and query string. Here those carry
/// secrets and personal data (the enrolment token in `/admin/enroll/{token}`, Telegram sign-in
/// fields with names, staff searches by e-mail), so this one records the method, the route and
/// the status only. The router resolves the route before its middleware runs, so the name is
/// known when the span starts.
struct RequestTracingMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The process's tracer when the router is built (after `serve` bootstrapped it).
    var tracer: any Tracer = InstrumentationSystem.tracer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let route = context.endpointPath
        guard !Self.isProbe(route ?? request.uri.path) else { return try await next(request, context) }
        var parent = ServiceContext.current ?? .topLevel
        if Self.continuesCallersTrace(route) { tracer.extract(request.headers, into: &parent, using: HTTPFieldsExtractor()) }
        let method = request.method.rawValue
        let span = tracer.startSpan(Self.spanName(method: method, route: route), context: parent, ofKind: .server)
        span.attributes["http.request.method"] = method
        span.attributes["http.route"] = route
        defer { span.end() }
        do {
            let response = try await ServiceContext.$current.withValue(span.context) { try await next(request, context) }
            Self.record(status: Int(response.status.code), on: span)
            return response
        } catch {
            let status = Int((error as? any HTTPResponseError)?.status.code ?? 500)
            Self.record(status: status, on: span)
            if status >= 500 { span.recordFailure(error) }
            throw error
        }
    }

    /// `{method} {route}` as OpenTelemetry's HTTP conventions name a server span; the method alone
    /// when no route matched.
    static func spanName(method: String, route: String?) -> String {
        guard let route, !route.isEmpty else { return method }
        return "\(method) \(route)"
    }

    static func isProbe(_ path: String) -> Bool { path == "/metrics" || path.hasPrefix("/health/") }

    /// The wallet endpoints of game providers, Croupier Originals' among them.
    static func continuesCallersTrace(_ route: String?) -> Bool { route?.hasPrefix("/providers/") == true }

    /// A 5xx is the server's failure (`error.type` is its status code, as OpenTelemetry's HTTP
    /// conventions say when no exception reached the span: the error page middleware inside
    /// answers errors); a 4xx is the client's, so it leaves the span's status unset.
    private static func record(status: Int, on span: any Span) {
        span.attributes["http.response.status_code"] = status
        if status >= 500 {
            span.setStatus(SpanStatus(code: .error))
            span.attributes["error.type"] = String(status)
        }
    }
}

private struct HTTPFieldsExtractor: Extractor {
    func extract(key: String, from carrier: HTTPFields) -> String? {
        HTTPField.Name(key).flatMap { carrier[$0] }
    }
}
