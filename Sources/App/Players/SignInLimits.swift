import Foundation
import Hummingbird
import Identity

/// Rate limits on every sign-in endpoint: per client address and, when the request names one,
/// per identity. A refusal is a 429 with `Retry-After`.
struct SignInLimits: Sendable {
    let limiter: RateLimiter
    /// The time windows are counted in (tests fix it so a run cannot straddle a window).
    var now: @Sendable () -> Date = { Date() }

    func check(_ request: Request, _ context: AppRequestContext, identity: String? = nil) async throws {
        var buckets = [("ip:\(context.clientAddress)", RateLimiter.Rule.perAddress)]
        if let identity { buckets.append(("id:\(identity.lowercased())", .perIdentity)) }
        for (bucket, rule) in buckets {
            let now = self.now()
            if let retryAt = try await limiter.hit(bucket, rule: rule, now: now) {
                throw RetryLater(code: .rateLimited, until: retryAt, now: now)
            }
        }
    }
}

/// Too many attempts (a rate limit, a locked account): the error middleware answers 429 with
/// this code and `Retry-After`.
struct RetryLater: HTTPResponseError {
    let code: ErrorCode
    let retryAfter: Int
    var status: HTTPResponse.Status { .tooManyRequests }

    init(code: ErrorCode, until: Date, now: Date = Date()) {
        self.code = code
        self.retryAfter = max(1, Int(until.timeIntervalSince(now).rounded(.up)))
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status)
    }
}
