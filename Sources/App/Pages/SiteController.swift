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
            pages.render("signin", face: .player, title: "signin.title", model: signIn.page, request: request, context: context)
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
