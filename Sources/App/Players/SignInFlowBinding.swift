import Core
import Crypto
import Foundation
import Hummingbird
import Identity

/// Ties a sign-in challenge to the browser that started it. Whenever a response hands out a
/// challenge it also sets an HttpOnly cookie holding HMAC(key, challenge); the code mail's link
/// (`/auth/confirm`) signs in only a browser that presents it. Without this, anyone could mail
/// or post their own link and sign a victim's browser into the attacker's account (login CSRF),
/// or a mail forwarded by mistake could sign in another device. The code typed on the page
/// where the flow started needs no cookie: that page already holds the challenge.
struct SignInFlowBinding: Sendable {
    static let cookieName = "croupier_signin"
    let key: SymmetricKey
    let secureCookies: Bool

    init(secret: SecretKey, secureCookies: Bool) {
        self.key = secret.derive("signin-flow")
        self.secureCookies = secureCookies
    }

    func cookie(for challenge: String) -> Cookie {
        Cookie(
            name: Self.cookieName, value: mark(challenge), maxAge: Int(PlayerSignIn.challengeLifetime), path: "/", secure: secureCookies,
            httpOnly: true, sameSite: .lax)
    }

    func started(_ challenge: String, in request: Request) -> Bool {
        guard let presented = request.cookies[Self.cookieName]?.value else { return false }
        return RandomToken.matches(presented, mark(challenge))
    }

    private func mark(_ challenge: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Data(challenge.utf8), using: key))
    }
}
