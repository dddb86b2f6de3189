import Core
import HTTPTypes
import Hummingbird

/// Names the player from a `croupier_test_player` cookie or `X-Croupier-Test-Player` header.
/// Installed only when `CROUPIER_ENV=test`, so that wallet pages and APIs can be tested before
/// player sign-in exists; the Identity context replaces it with real sessions.
struct TestPlayerMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let cookieName = "croupier_test_player"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let named = request.headers[HTTPField.Name("X-Croupier-Test-Player")!] ?? request.cookies[Self.cookieName]?.value
        if let named, let id = Int64(named), id > 0 { context.player = PlayerID(id) }
        return try await next(request, context)
    }
}
