import Core
import Crypto
import Foundation
import Hummingbird

/// Signed double-submit CSRF tokens. A random seed lives in an HttpOnly cookie; forms carry
/// HMAC(key, seed). A cross-site attacker can make the browser send the cookie but can read
/// neither it nor the page, so cannot produce the token; signing stops a planted cookie from
/// being enough on its own.
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
    func token(for request: Request) -> (token: String, newCookie: Cookie?) {
        if let seed = request.cookies[Self.cookieName]?.value, seed.count == 64, Hex.decode(seed) != nil {
            return (sign(seed), nil)
        }
        let seed = RandomToken.hex(byteCount: 32)
        let cookie = Cookie(name: Self.cookieName, value: seed, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
        return (sign(seed), cookie)
    }

    func isValid(_ submitted: String?, for request: Request) -> Bool {
        guard let submitted, let seed = request.cookies[Self.cookieName]?.value,
            let expected = Hex.decode(sign(seed)), let given = Hex.decode(submitted)
        else { return false }
        return expected.count == given.count && zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func sign(_ seed: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(seed.utf8), using: key))
    }
}
