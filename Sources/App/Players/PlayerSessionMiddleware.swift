import Hummingbird
import Identity

/// Resolves the `croupier_session` cookie to the signed-in player.
struct PlayerSessionMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let cookieName = "croupier_session"
    let sessions: SessionStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = request.cookies[Self.cookieName]?.value,
            case .player(let player) = try await sessions.resolve(token, policy: .player)
        {
            context.player = player
        }
        return try await next(request, context)
    }
}
