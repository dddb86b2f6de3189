import Core
import Foundation
import Hummingbird

/// The player site's public pages and the language switch.
struct SiteController {
    let pages: PageRenderer
    let telegram: TelegramSettings
    let publicURL: String

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(SiteRoute.landing.path) { request, context in
            pages.render("landing", face: .player, title: "landing.title", request: request, context: context)
        }
        router.get(SiteRoute.signIn.path) { request, context in
            // Without a bot the page says so instead of showing a button that cannot work.
            pages.render("signin", face: .player, title: "signin.title", fields: signInFields, request: request, context: context)
        }
        router.get("/lang/:code") { request, context -> Response in
            let code = try context.parameters.require("code")
            guard Localization.supported.contains(code) else { throw AppError(.notFound, code: "unknownLanguage") }
            var response = Response.redirect(to: SiteRoute.localPath(request.uri.queryParameters["next"].map(String.init)), type: .normal)
            response.setCookie(Cookie(name: "lang", value: code, maxAge: 365 * 24 * 3600, path: "/", secure: false, httpOnly: false, sameSite: .lax))
            return response
        }
    }
}

extension SiteController {
    /// Telegram's login page for the bot, returning to `/auth/telegram/callback` with the signed
    /// fields in the query (the Login Widget's redirect mode).
    var signInFields: [String: Any] {
        guard let botID = telegram.botToken.split(separator: ":").first, !botID.isEmpty else { return ["telegramConfigured": false] }
        let returnTo = PageRenderer.queryEncode(publicURL + "/auth/telegram/callback").replacingOccurrences(of: "/", with: "%2F")
        let origin = PageRenderer.queryEncode(publicURL).replacingOccurrences(of: "/", with: "%2F")
        var fields: [String: Any] = [
            "telegramConfigured": true,
            "telegramLoginURL": "https://oauth.telegram.org/auth?bot_id=\(botID)&origin=\(origin)&return_to=\(returnTo)&request_access=write",
        ]
        if !telegram.botUsername.isEmpty { fields["telegramBotURL"] = "https://t.me/\(telegram.botUsername)" }
        return fields
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
    static func localPath(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"),
            !next.contains(where: { $0.isNewline || $0 == "\0" })
        else { return landing.rawValue }
        return next
    }
}
