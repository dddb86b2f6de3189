import Core
import Foundation
import Hummingbird

/// The CSRF check for a group of form routes: a request that changes state (anything but GET,
/// HEAD, OPTIONS) must carry the session-bound token, in the form field `csrf` (of a URL-encoded
/// or a multipart form) or in the `X-CSRF-Token` header. The body is collected here (within the
/// request's size limit) so the handler reads the same bytes again. A URL-encoded form that
/// carries U+0000 (`%00`) is refused here as `malformedBody`: PostgreSQL cannot store it in text,
/// so it would otherwise fail deep inside whichever handler stores the field.
struct CSRFMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let csrf: CSRFProtection

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard ![.get, .head, .options].contains(request.method) else { return try await next(request, context) }
        var request = request
        let multipart = request.headers[.contentType].flatMap(MultipartForm.boundary(contentType:)) != nil
        let token: String?
        if let header = request.headers[.csrfToken] {
            token = header
        } else {
            let body = try await request.collectBody(upTo: context.maxUploadSize)
            if multipart, let type = request.headers[.contentType] {
                // A form that is not well-formed carries no token the check could trust.
                token = (try? MultipartForm(body: Array(buffer: body), contentType: type))?.field(CSRFProtection.formField)
            } else {
                token = Self.formField(in: String(buffer: body))
            }
        }
        guard csrf.isValid(token, for: request) else { throw AppError(.forbidden, code: .csrfTokenInvalid) }
        if !multipart, Self.carriesNUL(try await request.collectBody(upTo: context.maxUploadSize)) {
            throw AppError(.badRequest, code: .malformedBody)
        }
        return try await next(request, context)
    }

    /// Whether a URL-encoded body holds `%00` (a raw NUL byte is refused by the form decoder).
    static func carriesNUL(_ body: ByteBuffer) -> Bool {
        let bytes = Array(body.readableBytesView)
        return bytes.indices.dropLast(2).contains { bytes[$0] == UInt8(ascii: "%") && bytes[$0 + 1] == 0x30 && bytes[$0 + 2] == 0x30 }
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
