import Core
import Foundation
import Hummingbird

/// The CSRF check for a group of form routes: a request that changes state (anything but GET,
/// HEAD, OPTIONS) must carry the session-bound token, in the form field `csrf` (of a URL-encoded
/// or a multipart form) or in the `X-CSRF-Token` header. The body is collected here (within the
/// request's size limit) so the handler reads the same bytes again.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let csrf: CSRFProtection

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ![.get, .head, .options].contains(request.method) else { return try await next(request, context) }
        var request = request
        let token: String?
        if let header = request.headers[.csrfToken] {
            token = header
        } else {
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            if let type = request.headers[.contentType], MultipartForm.boundary(contentType: type) != nil {
                // A form that is not well-formed carries no token the check could trust.
                token = (try? MultipartForm(body: Array(buffer: body), contentType: type))?.field(CSRFProtection.formField)
            } else {
                token = Self.formField(in: String(buffer: body))
            }
        }
        guard csrf.isValid(token, for: request) else { throw AppError(.forbidden, code: .csrfTokenInvalid) }
        return try await next(request, context)
    }

    /// The `csrf` field of a URL-encoded form, or nil when there is none.
    static func formField(in form: String) -> String? {
        for pair in form.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == CSRFProtection.formField else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }
}
