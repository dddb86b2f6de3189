import Foundation
import Hummingbird
import Identity

/// Rate limits on every sign-in endpoint: per client address and, when the request names one,
/// per identity. A refusal is a 429 with `Retry-After`.
struct SignInLimits: Sendable {
    let limiter: RateLimiter

    func check(_ request: Request, _ context: AppRequestContext, identity: String? = nil) async throws {
        var buckets = [("ip:\(StaffAccess.clientAddress(request, context))", RateLimiter.Rule.perAddress)]
        if let identity { buckets.append(("id:\(identity.lowercased())", .perIdentity)) }
        for (bucket, rule) in buckets {
            if let retryAt = try await limiter.hit(bucket, rule: rule) {
                throw RateLimited(retryAfter: max(1, Int(retryAt.timeIntervalSinceNow.rounded(.up))))
            }
        }
    }
}

/// Answered by the error middleware as 429 `rateLimited` with `Retry-After`.
struct RateLimited: HTTPResponseError {
    let retryAfter: Int
    var status: HTTPResponse.Status { .tooManyRequests }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status)
    }
}
