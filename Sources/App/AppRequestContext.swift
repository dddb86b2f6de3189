import Core
import Hummingbird
import Identity
import Logging
import NIOCore

/// Per-request state shared by middleware and routes. The request id is Hummingbird's own
/// (`hb.request.id` in the logger metadata), so logs, the `X-Request-ID` header and error pages
/// all show the same value.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set from `CROUPIER_MAX_BODY_BYTES` by `RequestLimitsMiddleware`.
    public var maxUploadSize: Int = 1 << 20
    /// The signed-in player, when there is one.
    public var player: PlayerID?
    /// The signed-in staff member, when there is one (admin console and staff API).
    public var staff: StaffMember?

    /// The peer's address (the load balancer's, behind one).
    public let remoteAddress: SocketAddress?
    /// Who sent the request, as rate limits, audit rows, sessions and game launches see it: the
    /// peer, or the client a trusted proxy forwarded for (`ClientAddressMiddleware`).
    public var clientAddress: String

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.remoteAddress = source.channel.remoteAddress
        self.clientAddress = remoteAddress?.ipAddress ?? ""
    }

    public var requestID: String { id }

    /// JSON bodies must say they are JSON (`JSONBodyDecoder`).
    public var requestDecoder: JSONBodyDecoder { JSONBodyDecoder() }
}
