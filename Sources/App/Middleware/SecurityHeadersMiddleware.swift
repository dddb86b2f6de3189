import HTTPTypes
import Hummingbird

/// Headers every response carries, error pages included. The CSP allows no inline script or
/// style at all: every script is a file under /public/js. A page that must be framed by a
/// known origin (the Mini App inside Telegram Web) sets its own policy from
/// `contentSecurityPolicy(frameAncestors:)`, and then keeps it.
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    let strictTransportSecurity: Bool

    static var contentSecurityPolicy: String { SecurityHeaderValues.contentSecurityPolicy }

    /// `frameSources`: who this page may frame (a game page frames its provider).
    /// `imageSources`: the lobby shows providers' thumbnails from their own hosts.
    static func contentSecurityPolicy(
        frameAncestors: [String], frameSources: [String] = ["'self'"], imageSources: [String] = ["'self'", "data:"]
    ) -> String {
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src \(imageSources.joined(separator: " "))",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors \(frameAncestors.joined(separator: " "))",
            "frame-src \(frameSources.joined(separator: " "))",
        ].joined(separator: "; ")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        let framedByNone: Bool
        if let policy = response.headers[.contentSecurityPolicy] {
            framedByNone = policy.contains("frame-ancestors 'none'")
        } else {
            response.headers[.contentSecurityPolicy] = SecurityHeaderValues.contentSecurityPolicy
            framedByNone = true
        }
        if framedByNone { response.headers[SecurityHeaderValues.frameOptions] = "DENY" }
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[SecurityHeaderValues.referrerPolicy] = "strict-origin-when-cross-origin"
        response.headers[SecurityHeaderValues.openerPolicy] = "same-origin"
        response.headers[SecurityHeaderValues.permissionsPolicy] = "camera=(), microphone=(), geolocation=(), payment=()"
        if strictTransportSecurity {
            response.headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        }
        return response
    }
}

/// What the middleware sets on every response, a wallet call's included, made once: a generic
/// type cannot hold stored statics.
private enum SecurityHeaderValues {
    static let contentSecurityPolicy = SecurityHeadersMiddleware<BasicRequestContext>.contentSecurityPolicy(frameAncestors: ["'none'"])
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let openerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
    static let permissionsPolicy = HTTPField.Name("Permissions-Policy")!
}
