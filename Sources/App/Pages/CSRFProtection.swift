import Core
import Crypto
import Foundation
import Hummingbird

/// Signed double-submit CSRF tokens bound to the session. A random seed lives in an HttpOnly
/// cookie; forms carry HMAC(key, seed | staff session | player session). A cross-site attacker
/// can make the browser send the cookies but can read neither them nor the page, so cannot
/// produce the token; signing stops a planted cookie from being enough on its own, and the
/// binding makes a token die with its session: one taken before sign-in, or from another
/// session, is refused.
struct CSRFProtection: Sendable {
    static let cookieName = "csrf_seed"
    static let formField = "csrf"
    let key: SymmetricKey
    let secureCookies: Bool

    init(secret: SecretKey, secureCookies: Bool) {
        self.key = secret.derive("csrf")
        self.secureCookies = secureCookies
    }

    /// The token for this request, and the cookie to set when the browser had no seed yet.
    /// `issuing` is a session cookie the same response sets (a sign-in), which the token must
    /// be bound to instead of the request's.
    func token(for request: Request, issuing: Cookie? = nil) -> (token: String, newCookie: Cookie?) {
        let session = Self.session(of: request, issuing: issuing)
        if let seed = request.cookies[Self.cookieName]?.value, seed.count == 64, Hex.decode(seed) != nil {
            return (sign(seed, session: session), nil)
        }
        let seed = RandomToken.hex(byteCount: 32)
        let cookie = Cookie(name: Self.cookieName, value: seed, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
        return (sign(seed, session: session), cookie)
    }

    func isValid(_ submitted: String?, for request: Request) -> Bool {
        guard let submitted, let seed = request.cookies[Self.cookieName]?.value,
            let expected = Hex.decode(sign(seed, session: Self.session(of: request, issuing: nil))), let given = Hex.decode(submitted)
        else { return false }
        return expected.count == given.count && zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The session cookies a token is bound to, as this request carries them (or as `issuing`
    /// replaces one).
    private static func session(of request: Request, issuing: Cookie?) -> String {
        [StaffAuthMiddleware.cookieName, PlayerSessionMiddleware.cookieName].map { name in
            if let issuing, issuing.name == name { return issuing.value }
            return request.cookies[name]?.value ?? ""
        }.joined(separator: "|")
    }

    private func sign(_ seed: String, session: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data("\(seed)|\(session)".utf8), using: key))
    }
}
