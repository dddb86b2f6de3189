import Core
import Hummingbird
import Identity

/// Who may open the live balances socket. WebSockets know no CORS, and a browser sends the
/// `SameSite=Lax` session cookie with a handshake from any page of the same site (a sibling
/// subdomain, another port), so the Origin must be the site's own public origin, or such a page
/// could read a player's balances through their cookie (cross-site WebSocket hijacking). Then the
/// cookie must name a live player session; a staff token presented as a player cookie does not
/// resolve, as on every player route.
struct LiveAdmission: Sendable {
    enum Verdict: Sendable {
        /// The session by its hash: a socket lives for hours, and its token need not.
        case admitted(player: PlayerID, session: SessionTokenHash)
        case refused(AppError)
    }

    /// `scheme://host[:port]` of `CROUPIER_PUBLIC_URL`, as browsers write the Origin header.
    let origin: String
    let sessions: SessionStore

    /// Fails for a public URL without an http(s) origin, which no browser's Origin could equal.
    init(publicURL: String, sessions: SessionStore) throws {
        guard let origin = WebOrigin.of(publicURL) else {
            throw ConfigurationError.invalidValue(key: "CROUPIER_PUBLIC_URL", value: publicURL, expected: "an http(s) URL")
        }
        self.origin = origin
        self.sessions = sessions
    }

    func judge(_ request: Request) async throws -> Verdict {
        // Exactly one: of two, a check could read one and a proxy or the browser mean the other.
        let sent = request.headers[values: .origin]
        guard sent.count == 1, sent[0].lowercased() == origin else {
            return .refused(AppError(.forbidden, code: .forbidden))
        }
        guard let token = request.cookies[PlayerSessionMiddleware.cookieName]?.value,
            case .player(let player) = try await sessions.resolve(token, policy: .player),
            let session = SessionStore.tokenHash(token)
        else { return .refused(AppError(.unauthorized, code: .notSignedIn)) }
        return .admitted(player: player, session: session)
    }
}
