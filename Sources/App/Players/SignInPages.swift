import Compliance
import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity

/// The sign-in pages behind Telegram's redirect: e-mail entry and code entry, working without
/// JavaScript. They call the same `PlayerSignIn` as the JSON API.
struct SignInPages {
    let auth: AuthController
    let options: SignInOptions
    /// A player in a time-out or self-exclusion lands on the page with its end and the way to
    /// withdraw, instead of the wallet (docs/player-protection.md "Exclusion").
    let protection: PlayerProtection

    struct EmailForm: Decodable {
        let challenge: String?
        let email: String?
        let adult: String?
        let acceptTerms: String?
    }

    struct CodeForm: Decodable {
        let challenge: String?
        let code: String?
    }

    var pages: PageRenderer { auth.pages }

    /// `forms` checks the CSRF token of every form posted to it.
    func addRoutes(to forms: RouterGroup<AppRequestContext>) {
        // The link in the code mail. It signs in only the browser that started this sign-in
        // (`SignInFlowBinding`); elsewhere the page says where to use it instead.
        forms.get("/auth/confirm") { request, context -> Response in
            let query = request.uri.queryParameters
            guard let challenge = query["challenge"].map(String.init), let code = query["code"].map(String.init) else {
                throw AppError(.badRequest, code: .challengeInvalid)
            }
            guard auth.flow.started(challenge, in: request) else {
                try await auth.recordFailure("confirmElsewhere", method: "emailLink", request: request, context: context)
                return signInPage(error: "confirmElsewhere", status: .forbidden, request: request, context: context)
            }
            let (device, newDevice) = auth.deviceID(request)
            let player = try await auth.submitCode(challenge: challenge, code: code, device: device, request: request, context: context)
            var response = Response.redirect(to: try await home(for: player), type: .normal)
            for cookie in try await auth.startSession(player, request: request, context: context, newDevice: newDevice) {
                response.setCookie(cookie)
            }
            return response
        }
        // The Login Widget's redirect (`data-auth-url`): the signed fields arrive in the query.
        forms.get("/auth/telegram/callback") { request, context -> Response in
            try await auth.limits.check(request, context)
            var fields: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { fields[String(name)] = String(value) }
            do {
                let verified = try auth.telegram.verifyWidget(fields, now: Date())
                let outcome = try await auth.begin(
                    verified.user, proof: "widget:\(verified.hash)", method: "widget", request: request, context: context, now: Date())
                return try await redirect(after: outcome, request: request, context: context)
            } catch let error as TelegramAuthError {
                try await auth.recordFailure(error.code, method: "widget", request: request, context: context)
                return signInPage(error: error.code, request: request, context: context)
            } catch let error as AppError {
                return signInPage(error: error.code.rawValue, request: request, context: context)
            }
        }
        // OpenID Connect: the button sends the browser to the provider with state, nonce and a
        // PKCE challenge; the state also goes into a cookie, so a callback only completes in the
        // browser that started it (no login CSRF).
        forms.get("/auth/telegram/oidc") { request, context -> Response in
            try await auth.limits.check(request, context)
            guard let oidc = auth.oidc else { throw AppError(.notFound, code: .oidcNotConfigured) }
            do {
                let (url, state) = try await oidc.start()
                var response = Response.redirect(to: url, type: .found)
                response.setCookie(oidcCookie(state, maxAge: 600))
                return response
            } catch let error as TelegramOIDCError {
                context.logger.error("OpenID Connect sign-in could not start", metadata: ["reason": "\(error)"])
                return signInPage(error: error.code, status: .serviceUnavailable, request: request, context: context)
            }
        }
        forms.get("/auth/telegram/oidc/callback") { request, context -> Response in
            try await auth.limits.check(request, context)
            guard let oidc = auth.oidc else { throw AppError(.notFound, code: .oidcNotConfigured) }
            let query = request.uri.queryParameters
            let state = query["state"].map(String.init) ?? ""
            var response: Response
            do {
                if query["error"] != nil { throw TelegramOIDCError.rejected("the provider answered error=\(query["error"] ?? "")") }
                guard let cookie = request.cookies[Self.oidcCookieName]?.value, !state.isEmpty,
                    RandomToken.matches(state, cookie)
                else { throw TelegramOIDCError.stateInvalid }
                let (user, proof) = try await oidc.finish(code: query["code"].map(String.init) ?? "", state: state)
                let outcome = try await auth.begin(user, proof: proof, method: "oidc", request: request, context: context, now: Date())
                response = try await redirect(after: outcome, request: request, context: context)
            } catch let error as TelegramOIDCError {
                context.logger.notice("OpenID Connect sign-in refused", metadata: ["reason": "\(error)"])
                try await auth.recordFailure(error.code, method: "oidc", request: request, context: context)
                let status: HTTPResponse.Status = if case .providerUnavailable = error { .serviceUnavailable } else { .unauthorized }
                response = signInPage(error: error.code, status: status, request: request, context: context)
            } catch let error as AppError {
                response = signInPage(error: error.code.rawValue, request: request, context: context)
            }
            response.setCookie(oidcCookie("", maxAge: 0))
            return response
        }
        // The Mini App's entry page; its script hands Telegram's initData to /api/v1/auth/telegram.
        // Telegram Web shows Mini Apps in a frame, so Telegram's origins may frame this page.
        forms.get("/telegram/app") { request, context -> Response in
            let language = Localization.language(for: request)
            let errors = Self.miniAppErrors.map {
                MiniAppPage.Explanation(code: $0, text: pages.localization.string("signin.errors.\($0)", in: language))
            }
            var response = pages.render(
                "miniapp", face: .player, title: "miniapp.title", model: MiniAppPage(errors: errors), request: request, context: context)
            response.headers[.contentSecurityPolicy] = SecurityHeadersMiddleware<AppRequestContext>.contentSecurityPolicy(
                frameAncestors: ["'self'", "https://*.telegram.org"])
            return response
        }
        forms.get("/signin/email") { request, context in
            page(
                "signin_email", challenge: request.uri.queryParameters["challenge"].map(String.init) ?? "", request: request,
                context: context)
        }
        forms.post("/signin/email") { request, context -> Response in
            let form = try await URLEncodedFormDecoder().decode(
                EmailForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let challenge = form.challenge ?? ""
            do {
                try await auth.limits.check(request, context, identity: "challenge:\(challenge)")
                let step = try await auth.mapped {
                    try await auth.signIn.submitEmail(
                        challenge: challenge, email: form.email ?? "", adult: form.adult == "true", acceptTerms: form.acceptTerms == "true",
                        language: Localization.language(for: request))
                }
                return try await redirect(after: (step, nil), request: request, context: context)
            } catch let error as AppError {
                return page(
                    "signin_email", challenge: challenge, error: error.code.rawValue, email: form.email ?? "", request: request,
                    context: context)
            } catch is RetryLater {
                return page("signin_email", challenge: challenge, error: "rateLimited", request: request, context: context)
            }
        }
        forms.get("/signin/code") { request, context in
            page(
                "signin_code", challenge: request.uri.queryParameters["challenge"].map(String.init) ?? "", request: request,
                context: context)
        }
        forms.post("/signin/code") { request, context -> Response in
            let form = try await URLEncodedFormDecoder().decode(
                CodeForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let challenge = form.challenge ?? ""
            do {
                try await auth.limits.check(request, context, identity: "challenge:\(challenge)")
                let (device, newDevice) = auth.deviceID(request)
                let player = try await auth.submitCode(
                    challenge: challenge, code: form.code ?? "", device: device, request: request, context: context)
                var response = Response.redirect(to: try await home(for: player), type: .normal)
                for cookie in try await auth.startSession(player, request: request, context: context, newDevice: newDevice) {
                    response.setCookie(cookie)
                }
                return response
            } catch let error as AppError {
                return page("signin_code", challenge: challenge, error: error.code.rawValue, request: request, context: context)
            } catch is RetryLater {
                return page("signin_code", challenge: challenge, error: "rateLimited", request: request, context: context)
            }
        }
        forms.post("/signin/code/resend") { request, context -> Response in
            let form = try await URLEncodedFormDecoder().decode(
                CodeForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let challenge = form.challenge ?? ""
            do {
                try await auth.limits.check(request, context, identity: "challenge:\(challenge)")
                try await auth.mapped { try await auth.signIn.resend(challenge: challenge) }
                let notice = pages.localization.string("signin.code.resent", in: Localization.language(for: request))
                return page("signin_code", challenge: challenge, notice: notice, request: request, context: context)
            } catch let error as AppError {
                return page("signin_code", challenge: challenge, error: error.code.rawValue, request: request, context: context)
            } catch is RetryLater {
                return page("signin_code", challenge: challenge, error: "rateLimited", request: request, context: context)
            }
        }
    }

    /// Where a player lands once signed in.
    private func home(for player: PlayerID) async throws -> String {
        try await protection.exclusion(of: player) == nil ? SiteRoute.wallet.rawValue : ResponsibleGamblingController.path
    }

    private func redirect(after outcome: (SignInStep, String?), request: Request, context: AppRequestContext) async throws -> Response {
        let (step, newDevice) = outcome
        var response: Response
        switch step {
        case .email(let challenge):
            response = Response.redirect(to: "/signin/email?challenge=\(challenge)", type: .normal)
            response.setCookie(auth.flow.cookie(for: challenge))
        case .code(let challenge):
            response = Response.redirect(to: "/signin/code?challenge=\(challenge)", type: .normal)
            response.setCookie(auth.flow.cookie(for: challenge))
        case .done(let player):
            response = Response.redirect(to: try await home(for: player), type: .normal)
            for cookie in try await auth.startSession(player, request: request, context: context, newDevice: nil) {
                response.setCookie(cookie)
            }
        }
        if let newDevice { response.setCookie(auth.deviceCookie(newDevice)) }
        return response
    }

    /// Challenges are 64 hex characters; anything else is not echoed into the page.
    private func page(
        _ template: String, challenge: String, error: String? = nil, email: String? = nil, notice: String? = nil, request: Request,
        context: AppRequestContext
    ) -> Response {
        let model = StepPage(
            challenge: challenge.count == 64 && Hex.decode(challenge) != nil ? challenge : "",
            error: error.map { pages.localization.string("signin.errors.\($0)", in: Localization.language(for: request)) }, email: email,
            notice: notice)
        return pages.render(
            template, face: .player, title: "signin.title", model: model, status: error == nil ? .ok : .badRequest, request: request,
            context: context)
    }

    /// The e-mail and code steps: the flow's challenge, and what went wrong or happened.
    struct StepPage: PageModel {
        let challenge: String
        let error: String?
        let email: String?
        let notice: String?
    }

    struct MiniAppPage: PageModel {
        struct Explanation {
            let code: String
            let text: String
        }

        let errors: [Explanation]
    }

    /// The sign-in page again, saying what went wrong, with its buttons to try again.
    private func signInPage(error: String, status: HTTPResponse.Status = .unauthorized, request: Request, context: AppRequestContext)
        -> Response
    {
        var page = options.page
        page.error = pages.localization.string("signin.errors.\(error)", in: Localization.language(for: request))
        return pages.render("signin", face: .player, title: "signin.title", model: page, status: status, request: request, context: context)
    }

    static let oidcCookieName = "croupier_oidc"

    /// What `/api/v1/auth/telegram` can refuse initData with, as the Mini App page explains it.
    static let miniAppErrors = [
        "telegramMalformed", "telegramSignatureInvalid", "telegramAuthExpired", "telegramReplayed", "telegramNotConfigured", "rateLimited",
    ]

    private func oidcCookie(_ state: String, maxAge: Int) -> Cookie {
        Cookie(
            name: Self.oidcCookieName, value: state, maxAge: maxAge, path: "/auth/telegram/oidc", secure: auth.secureCookies,
            httpOnly: true, sameSite: .lax)
    }
}
