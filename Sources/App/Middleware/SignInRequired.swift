import Hummingbird

/// The gate of routes that run only for someone signed in: a page request without a sign-in goes
/// to the sign-in page; anything else is refused with 401.
struct SignInRequired: RouterMiddleware {
    typealias Context = AppRequestContext

    let isSignedIn: @Sendable (AppRequestContext) -> Bool
    let signInPage: SiteRoute

    /// A player's own pages.
    static let player = SignInRequired(isSignedIn: { $0.player != nil }, signInPage: .signIn)
    /// The admin console.
    static let staff = SignInRequired(isSignedIn: { $0.staff != nil }, signInPage: .adminLogin)

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !isSignedIn(context) else { return try await next(request, context) }
        guard request.method == .get || request.method == .head else { throw AppError(.unauthorized, code: .notSignedIn) }
        return Response.redirect(to: signInPage.rawValue, type: .normal)
    }
}
