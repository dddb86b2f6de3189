import Core
import Hummingbird

/// The gate of a player's own pages: they run only for a signed-in player. A page request
/// without one goes to sign-in; anything else is refused with 401.
struct PlayerSignInRequired: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.player == nil else { return try await next(request, context) }
        guard request.method == .get || request.method == .head else { throw AppError(.unauthorized, code: .notSignedIn) }
        return Response.redirect(to: SiteRoute.signIn.rawValue, type: .normal)
    }
}

extension AppRequestContext {
    /// The player a player's page runs for; `PlayerSignInRequired` guarantees there is one.
    func signedInPlayer() throws -> PlayerID {
        guard let player else { throw AppError(.unauthorized, code: .notSignedIn) }
        return player
    }
}
