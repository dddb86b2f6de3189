import HTTPTypes
import Hummingbird
import Logging

/// Turns every error into a response that shows the request id and nothing internal: an HTML
/// page for people, JSON `{"error": {"code", "requestId"}}` for API clients. Details go to the
/// log only. Every response gets `X-Request-ID`.
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pages: PageRenderer

    static let requestIDHeader = HTTPField.Name("X-Request-ID")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let (status, code) = Self.classify(error)
            if status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            } else {
                context.logger.info("request refused", metadata: ["status": "\(status.code)", "code": "\(code)"])
            }
            response =
                wantsJSON(request)
                ? jsonError(status: status, code: code, context: context)
                : pages.errorPage(status: status, request: request, context: context)
            if let retry = error as? RetryLater { response.headers[.retryAfter] = String(retry.retryAfter) }
        }
        response.headers[Self.requestIDHeader] = context.requestID
        return response
    }

    static func classify(_ error: any Error) -> (HTTPResponse.Status, String) {
        switch error {
        case let error as AppError:
            return (error.status, error.code)
        case let error as RetryLater:
            return (error.status, error.code)
        case let error as any HTTPResponseError:
            let status = error.status
            let code: String =
                switch status {
                case .notFound: "notFound"
                case .contentTooLarge: "bodyTooLarge"
                case .methodNotAllowed: "methodNotAllowed"
                case .unsupportedMediaType: "unsupportedMediaType"
                case .unauthorized: "unauthorized"
                case .forbidden: "forbidden"
                default: status.code < 500 ? "badRequest" : "internalError"
                }
            return (status, code)
        case is DecodingError, is URLEncodedFormError:
            return (.badRequest, "malformedBody")
        default:
            return (.internalServerError, "internalError")
        }
    }

    private func wantsJSON(_ request: Request) -> Bool {
        let path = request.uri.path
        if path.hasPrefix("/api/") || path.hasPrefix("/health/") || path == "/metrics" || path.hasPrefix("/providers/") {
            return true
        }
        let accept = request.headers[.accept] ?? ""
        return accept.contains("application/json") && !accept.contains("text/html")
    }

    private func jsonError(status: HTTPResponse.Status, code: String, context: Context) -> Response {
        let body = #"{"error":{"code":"\#(code)","status":\#(status.code),"requestId":"\#(context.requestID)"}}"#
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
