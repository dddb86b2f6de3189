import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Persistence

/// Staff sign-in (the console's form here, the JSON API in `CroupierAPI+Staff`) and sign-out.
/// Every attempt is audited; a session is started only after password and TOTP both pass.
struct StaffSignInController {
    let pages: PageRenderer
    let directory: StaffDirectory
    let sessions: SessionStore
    let access: StaffAccess
    let limits: SignInLimits
    let secureCookies: Bool

    struct LoginPage: PageModel {
        var notice: String?
        var error: String?
        var email: String?
    }

    struct LoginForm: Decodable {
        let email: String?
        let password: String?
        let totp: String?
    }

    /// `forms` checks the CSRF token of every form posted to it.
    func addRoutes(to forms: RouterGroup<AppRequestContext>) {
        forms.get(SiteRoute.adminLogin.path) { request, context in
            if context.staff != nil { return Response.redirect(to: SiteRoute.adminHome.rawValue, type: .normal) }
            let notice =
                request.uri.queryParameters["enrolled"] == "1"
                ? pages.localization.string("admin.login.enrolled", in: Localization.language(for: request)) : nil
            return pages.render(
                "admin_login", face: .admin, title: "admin.login.title", model: LoginPage(notice: notice), request: request,
                context: context)
        }
        forms.post(SiteRoute.adminLogin.path) { request, context in
            let form = try await URLEncodedFormDecoder().decode(
                LoginForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            try await limits.check(request, context, identity: "staff:\(form.email ?? "")")
            let language = Localization.language(for: request)
            switch await signIn(email: form.email ?? "", password: form.password ?? "", totp: form.totp ?? "", request, context) {
            case .success(let (_, cookie)):
                var response = Response.redirect(to: SiteRoute.adminHome.rawValue, type: .normal)
                response.setCookie(cookie)
                return response
            case .failure(let failure):
                let message = if case .lockedOut = failure { "admin.login.lockedOut" } else { "admin.login.invalid" }
                return pages.render(
                    "admin_login", face: .admin, title: "admin.login.title",
                    model: LoginPage(error: pages.localization.string(message, in: language), email: form.email ?? ""),
                    status: .unauthorized, request: request, context: context)
            }
        }
        forms.post("/admin/logout") { request, context -> Response in
            if let token = request.cookies[StaffAuthMiddleware.cookieName]?.value {
                try await sessions.revoke(token)
                try await access.record("staff.logout", by: context.staff, request, context)
            }
            var response = Response.redirect(to: SiteRoute.adminLogin.rawValue, type: .normal)
            response.setCookie(
                Cookie(
                    name: StaffAuthMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true,
                    sameSite: .strict))
            return response
        }
    }

    /// Signs a staff member in and starts a session (the console's form and
    /// `POST /api/v1/staff/login`); every attempt is audited.
    func signIn(email: String, password: String, totp: String, _ request: Request, _ context: AppRequestContext) async -> Result<
        (StaffMember, Cookie), StaffSignInFailure
    > {
        do {
            let staff = try await directory.signIn(email: email, password: password, totp: totp)
            let token = try await sessions.start(
                .staff(staff.id), policy: .staff, userAgent: request.headers[.userAgent] ?? "", ip: context.clientAddress)
            try await access.record("staff.login", by: staff, request, context)
            return .success(
                (
                    staff,
                    Cookie(
                        name: StaffAuthMiddleware.cookieName, value: token, path: "/", secure: secureCookies, httpOnly: true,
                        sameSite: .strict)
                ))
        } catch let failure as StaffSignInFailure {
            let reason: String =
                switch failure {
                case .invalidCredentials(let reason): reason
                case .lockedOut: "lockedOut"
                }
            do {
                try await access.record(
                    "staff.login_failed", by: nil, actor: "email:\(email.lowercased().prefix(254))", summary: ["reason": reason], request,
                    context)
            } catch {
                context.logger.error("a failed staff sign-in could not be audited", metadata: ["error": "\(postgresReason(error))"])
            }
            return .failure(failure)
        } catch {
            context.logger.error("staff sign-in failed", metadata: ["error": "\(error)"])
            return .failure(.invalidCredentials(reason: "error"))
        }
    }
}
