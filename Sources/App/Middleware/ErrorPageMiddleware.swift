import AppAPI
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Turns every error into a response that shows the request id and nothing internal: an HTML
/// page for people, the contract's `ErrorResponse` (`{"error": {"code", "status", "requestId"}}`)
/// for API clients. Details go to the log only. Every response gets `X-Request-ID`, and
/// `X-Trace-ID` when tracing records the request (the page shows it too; the JSON body keeps the
/// contract's shape).
struct ErrorPageMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let pages: PageRenderer

    static let requestIDHeader = HTTPField.Name("X-Request-ID")!
    static let traceIDHeader = HTTPField.Name("X-Trace-ID")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            let (status, code) = Self.classify(error)
            if status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(Self.loggable(error))", "path": "\(request.uri.path)"])
            } else {
                context.logger.info("request refused", metadata: ["status": "\(status.code)", "code": "\(code.rawValue)"])
            }
            response =
                wantsJSON(request)
                ? try jsonError(status: status, code: code, context: context)
                : pages.errorPage(status: status, traceID: CurrentTrace.id, request: request, context: context)
            if let retry = Self.unwrapped(error) as? RetryLater { response.headers[.retryAfter] = String(retry.retryAfter) }
        }
        response.headers[Self.requestIDHeader] = context.requestID
        if let traceID = CurrentTrace.id { response.headers[Self.traceIDHeader] = traceID }
        return response
    }

    static func classify(_ error: any Error) -> (HTTPResponse.Status, ErrorCode) {
        switch error {
        case let error as ServerError:
            // The generated layer wraps what handlers and API middleware throw; its own refusals
            // (a body type it cannot read, an Accept it cannot meet) carry only a status.
            let inner = classify(error.underlyingError)
            guard inner.1 == .internalError, error.httpStatus.code < 500 else { return inner }
            return (error.httpStatus, error.httpStatus == .unsupportedMediaType ? .jsonRequired : genericCode(for: error.httpStatus))
        case let error as AppError:
            return (error.status, error.code)
        case let error as RetryLater:
            return (error.status, error.code)
        case let error as any HTTPResponseError:
            return (error.status, genericCode(for: error.status))
        case is DecodingError, is URLEncodedFormError:
            return (.badRequest, .malformedBody)
        default:
            return (.internalServerError, .internalError)
        }
    }

    private static func genericCode(for status: HTTPResponse.Status) -> ErrorCode {
        switch status {
        case .notFound: .notFound
        case .contentTooLarge: .bodyTooLarge
        case .methodNotAllowed: .methodNotAllowed
        case .unsupportedMediaType: .unsupportedMediaType
        case .notAcceptable: .notAcceptable
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        default: status.code < 500 ? .badRequest : .internalError
        }
    }

    /// The error a handler or middleware threw, out of the generated layer's wrapper.
    static func unwrapped(_ error: any Error) -> any Error {
        (error as? ServerError)?.underlyingError ?? error
    }

    /// What the log may hold: a `ServerError` describes the whole request, session cookies
    /// included, so only its operation and cause are kept.
    static func loggable(_ error: any Error) -> String {
        guard let error = error as? ServerError else { return String(reflecting: error) }
        return "\(error.operationID): \(error.causeDescription): \(String(reflecting: error.underlyingError))"
    }

    private func wantsJSON(_ request: Request) -> Bool {
        let path = request.uri.path
        if path.hasPrefix("/api/") || path.hasPrefix("/health/") || path == "/metrics" || path.hasPrefix("/providers/")
            || path.hasPrefix("/webhooks/")
        {
            return true
        }
        let accept = request.headers[.accept] ?? ""
        return accept.contains("application/json") && !accept.contains("text/html")
    }

    private func jsonError(status: HTTPResponse.Status, code: ErrorCode, context: Context) throws -> Response {
        let body = Components.Schemas.ErrorResponse(error: .init(code: code, status: Int(status.code), requestId: context.requestID))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(body))))
    }
}
