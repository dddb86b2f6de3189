import Core
import Foundation
import Hummingbird

/// The player site's public pages and the language switch.
struct SiteController {
    let pages: PageRenderer
    let signIn: SignInOptions

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(SiteRoute.landing.path) { request, context in
            pages.render("landing", face: .player, title: "landing.title", request: request, context: context)
        }
        router.get(SiteRoute.signIn.path) { request, context in
            // Without a bot the page says so instead of showing a button that cannot work.
            pages.render("signin", face: .player, title: "signin.title", fields: signIn.fields, request: request, context: context)
        }
        router.get("/lang/:code") { request, context -> Response in
            let code = try context.parameters.require("code")
            guard Localization.supported.contains(code) else { throw AppError(.notFound, code: .unknownLanguage) }
            var response = Response.redirect(to: SiteRoute.localPath(request.uri.queryParameters["next"].map(String.init)), type: .normal)
            response.setCookie(
                Cookie(name: "lang", value: code, maxAge: 365 * 24 * 3600, path: "/", secure: false, httpOnly: false, sameSite: .lax))
            return response
        }
    }
}

/// The site's routes in one typed list, so links and the router cannot drift apart.
enum SiteRoute: String, CaseIterable {
    case landing = "/"
    case signIn = "/signin"
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
