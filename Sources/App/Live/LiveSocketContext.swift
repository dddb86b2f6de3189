import Core
import Hummingbird
import HummingbirdWebSocket

/// The context of WebSocket upgrade requests, decided on a router of their own before the HTTP
/// router and its middleware would run.
struct LiveSocketContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    /// Set by `LiveAdmissionMiddleware` when the request may have its socket.
    var admitted: (player: PlayerID, token: String)?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
    }
}

/// Judges the upgrade request, so the route upgrades only an admitted one.
struct LiveAdmissionMiddleware: RouterMiddleware {
    typealias Context = LiveSocketContext
    let admission: LiveAdmission

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if case .admitted(let player, let token) = try await admission.judge(request) {
            context.admitted = (player, token)
        }
        return try await next(request, context)
    }
}
