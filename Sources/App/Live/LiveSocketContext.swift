import Core
import Hummingbird
import HummingbirdWebSocket
import Identity

/// The context of WebSocket upgrade requests, decided on a router of their own before the HTTP
/// router and its middleware would run.
struct LiveSocketContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    /// Set by `LiveAdmissionMiddleware` when the request may have its socket.
    var admitted: (player: PlayerID, session: SessionTokenHash)?

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
    }
}
