import Core
import Hummingbird
import Logging

/// Per-request state shared by middleware and routes. The request id is Hummingbird's own
/// (`hb.request.id` in the logger metadata), so logs, the `X-Request-ID` header and error pages
/// all show the same value.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set from `CROUPIER_MAX_BODY_BYTES` by `RequestLimitsMiddleware`.
    public var maxUploadSize: Int = 1 << 20
    /// The signed-in player, when there is one.
    public var player: PlayerID?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
    }

    public var requestID: String { id }
}
