import Core
import HTTPTypes
import Hummingbird

/// Sets `context.clientAddress`: the peer, or behind a configured trusted proxy the right-most
/// `X-Forwarded-For` address that is not one (`CROUPIER_TRUSTED_PROXIES`).
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let trustedProxies: TrustedProxies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = trustedProxies.clientAddress(
            peer: context.clientAddress, forwardedFor: request.headers[values: .xForwardedFor])
        return try await next(request, context)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
