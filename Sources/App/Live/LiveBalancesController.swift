import Hummingbird
import HummingbirdWebSocket

/// `GET /live/balances`: the WebSocket that pushes a signed-in player's balances to their open
/// pages (docs/live.md). The upgrade is decided on the WebSocket router, which upgrades only an
/// admitted request; hummingbird-websocket answers a refused upgrade with an empty 400. The same
/// path asked without `Upgrade` comes to the HTTP router, which says why: 403 `forbidden` for
/// another site's Origin, 401 `notSignedIn` without a live player session, 426 when admitted.
struct LiveBalancesController {
    static let path = "/live/balances"
    let admission: LiveAdmission
    let socket: LiveBalanceSocket

    /// The router `Application` asks whether to upgrade a request that asks for WebSocket.
    func webSocketRouter() -> Router<LiveSocketContext> {
        let router = Router(context: LiveSocketContext.self)
        router.add(middleware: LiveAdmissionMiddleware(admission: admission, hub: socket.hub))
        router.ws(RouterPath(Self.path)) { _, context in
            context.admitted == nil ? .dontUpgrade : .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            guard let admitted = context.requestContext.admitted else { return }
            try await socket.serve(
                player: admitted.player, session: admitted.session, inbound: inbound, outbound: outbound, logger: context.logger)
        }
        return router
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(RouterPath(Self.path)) { request, _ -> Response in
            if case .refused(let error) = try await admission.judge(request) { throw error }
            return Response(status: .upgradeRequired, headers: [.upgrade: "websocket"])
        }
    }
}
