import Foundation
import Hummingbird

/// The site's routes in one typed list, so links and the router cannot drift apart.
enum SiteRoute: String, CaseIterable {
    case landing = "/"
    case signIn = "/signin"
    case lobby = "/lobby"
    case wallet = "/wallet"
    case cashier = "/cashier"
    case profile = "/profile"
    case telegramCallback = "/auth/telegram/callback"
    case telegramOIDCCallback = "/auth/telegram/oidc/callback"
    case adminHome = "/admin"
    case adminLogin = "/admin/login"

    var path: RouterPath { RouterPath(rawValue) }

    /// `next` when it is a path on this site, else the landing page: never an open redirect.
    /// Browsers drop tabs and newlines from a Location and read `\` as `/`, and a proxy or a later
    /// decode may undo percent-encoding, so `next` is judged fully decoded: a path that starts
    /// with one `/` and holds no `//`, `\`, whitespace or control character.
    static func localPath(_ next: String?) -> String {
        guard let next, let decoded = fullyPercentDecoded(next), decoded.hasPrefix("/"), !decoded.contains("//"), !decoded.contains("\\"),
            !decoded.unicodeScalars.contains(where: { CharacterSet.whitespacesAndNewlines.union(.controlCharacters).contains($0) })
        else { return landing.rawValue }
        return next
    }

    /// Percent-decoded until nothing changes; nil for a malformed escape or nesting deeper than
    /// any honest link, which a redirect target never needs.
    static func fullyPercentDecoded(_ text: String) -> String? {
        var current = text
        for _ in 0..<4 {
            guard let decoded = current.removingPercentEncoding else { return nil }
            if decoded == current { return current }
            current = decoded
        }
        return nil
    }
}

/// Every absolute address the site gives out (to Telegram, to game providers, in mail and
/// enrolment links), built in one place from `CROUPIER_PUBLIC_URL`.
struct SiteURL: Sendable {
    /// The public base, without a trailing slash: `https://casino.example`.
    let base: String

    init(publicURL: String) {
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        self.base = base
    }

    /// Cookies are `Secure` when the site is served over HTTPS.
    var isSecure: Bool { base.hasPrefix("https://") }

    func absolute(_ route: SiteRoute) -> String { base + route.rawValue }

    /// The one-time link a new or reset staff member enrols with.
    func staffEnrolment(token: String) -> String { base + "/admin/enroll/" + token }
}
