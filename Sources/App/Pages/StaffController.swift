import Hummingbird

/// The admin console's entry: the staff sign-in page. Staff accounts, TOTP and roles arrive
/// with the Identity context; until then every attempt is refused with a message that says so.
struct StaffController {
    let pages: PageRenderer

    struct LoginForm: Decodable {
        let csrf: String?
        let email: String?
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(SiteRoute.adminHome.path) { _, _ in
            Response.redirect(to: SiteRoute.adminLogin.rawValue, type: .normal)
        }
        router.get(SiteRoute.adminLogin.path) { request, context in
            pages.render("admin_login", face: .admin, title: "admin.login.title", request: request, context: context)
        }
        router.post(SiteRoute.adminLogin.path) { request, context in
            let form = try await URLEncodedFormDecoder().decode(
                LoginForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            guard pages.csrf.isValid(form.csrf, for: request) else {
                throw AppError(.forbidden, code: "csrfTokenInvalid")
            }
            let language = Localization.language(for: request)
            return pages.render(
                "admin_login", face: .admin, title: "admin.login.title",
                fields: [
                    "error": pages.localization.string("admin.login.unavailable", in: language),
                    "email": form.email ?? "",
                ],
                status: .unauthorized, request: request, context: context)
        }
    }
}
