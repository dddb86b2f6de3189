import Hummingbird

/// Judges the upgrade request, so the route upgrades only an admitted one, and only while this
/// copy's hub takes the socket (it hears the ledger's events and has room for it).
struct LiveAdmissionMiddleware: RouterMiddleware {
    typealias Context = LiveSocketContext
    let admission: LiveAdmission
    let hub: LiveBalanceHub

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if case .admitted(let player, let session) = try await admission.judge(request), await hub.admits(player) {
            context.admitted = (player, session)
        }
        return try await next(request, context)
    }
}
