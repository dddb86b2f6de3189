import Core
import Foundation
import Hummingbird
import Identity

/// The sign-in pages behind Telegram's redirect: e-mail entry and code entry, working without
/// JavaScript. They call the same `PlayerSignIn` as the JSON API.
struct SignInPages {
    let auth: AuthController

    struct EmailForm: Decodable {
        let csrf: String?
        let challenge: String?
        let email: String?
        let adult: String?
        let acceptTerms: String?
    }

    struct CodeForm: Decodable {
        let csrf: String?
        let challenge: String?
        let code: String?
    }

    var pages: PageRenderer { auth.pages }

    func addRoutes(to router: Router<AppRequestContext>) {
        // The Login Widget's redirect (`data-auth-url`): the signed fields arrive in the query.
        router.get("/auth/telegram/callback") { request, context -> Response in
            try await auth.limits.check(request, context)
            var fields: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { fields[String(name)] = String(value) }
            do {
                let user = try auth.telegram.verifyWidget(fields, now: Date())
                let outcome = try await auth.begin(user, proof: "widget:\(fields["hash"] ?? "")", request: request, now: Date())
                return try await redirect(after: outcome, request: request, context: context)
            } catch let error as TelegramAuthError {
                return signInPage(error: error.code, request: request, context: context)
            } catch let error as AppError {
                return signInPage(error: error.code, request: request, context: context)
            }
        }
        router.get("/signin/email") { request, context in
            page("signin_email", challenge: request.uri.queryParameters["challenge"].map(String.init) ?? "", request: request, context: context)
        }
        router.post("/signin/email") { request, context -> Response in
            let form = try await URLEncodedFormDecoder().decode(EmailForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            guard pages.csrf.isValid(form.csrf, for: request) else { throw AppError(.forbidden, code: "csrfTokenInvalid") }
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
                return page("signin_email", challenge: challenge, error: error.code, extra: ["email": form.email ?? ""], request: request, context: context)
            } catch is RetryLater {
                return page("signin_email", challenge: challenge, error: "rateLimited", request: request, context: context)
            }
        }
        router.get("/signin/code") { request, context in
            page("signin_code", challenge: request.uri.queryParameters["challenge"].map(String.init) ?? "", request: request, context: context)
        }
        router.post("/signin/code") { request, context -> Response in
            let form = try await URLEncodedFormDecoder().decode(CodeForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            guard pages.csrf.isValid(form.csrf, for: request) else { throw AppError(.forbidden, code: "csrfTokenInvalid") }
            let challenge = form.challenge ?? ""
            do {
                try await auth.limits.check(request, context, identity: "challenge:\(challenge)")
                let (device, newDevice) = auth.deviceID(request)
                let player = try await auth.mapped { try await auth.signIn.submitCode(challenge: challenge, code: form.code ?? "", device: device) }
                var response = Response.redirect(to: "/wallet", type: .normal)
                try await auth.startSession(player, request: request, context: context, into: &response, newDevice: newDevice)
                return response
            } catch let error as AppError {
                return page("signin_code", challenge: challenge, error: error.code, request: request, context: context)
            } catch is RetryLater {
                return page("signin_code", challenge: challenge, error: "rateLimited", request: request, context: context)
            }
        }
        router.post("/signin/code/resend") { request, context -> Response in
            let form = try await URLEncodedFormDecoder().decode(CodeForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            guard pages.csrf.isValid(form.csrf, for: request) else { throw AppError(.forbidden, code: "csrfTokenInvalid") }
            let challenge = form.challenge ?? ""
            do {
                try await auth.limits.check(request, context, identity: "challenge:\(challenge)")
                try await auth.mapped { try await auth.signIn.resend(challenge: challenge) }
                let notice = pages.localization.string("signin.code.resent", in: Localization.language(for: request))
                return page("signin_code", challenge: challenge, extra: ["notice": notice], request: request, context: context)
            } catch let error as AppError {
                return page("signin_code", challenge: challenge, error: error.code, request: request, context: context)
            } catch is RetryLater {
                return page("signin_code", challenge: challenge, error: "rateLimited", request: request, context: context)
            }
        }
    }

    private func redirect(after outcome: (SignInStep, String?), request: Request, context: AppRequestContext) async throws -> Response {
        let (step, newDevice) = outcome
        var response: Response
        switch step {
        case .email(let challenge): response = Response.redirect(to: "/signin/email?challenge=\(challenge)", type: .normal)
        case .code(let challenge): response = Response.redirect(to: "/signin/code?challenge=\(challenge)", type: .normal)
        case .done(let player):
            response = Response.redirect(to: "/wallet", type: .normal)
            try await auth.startSession(player, request: request, context: context, into: &response, newDevice: nil)
        }
        if let newDevice { response.setCookie(auth.deviceCookie(newDevice)) }
        return response
    }

    /// Challenges are 64 hex characters; anything else is not echoed into the page.
    private func page(
        _ template: String, challenge: String, error: String? = nil, extra: [String: Any] = [:], request: Request, context: AppRequestContext
    ) -> Response {
        var fields = extra
        fields["challenge"] = challenge.count == 64 && Hex.decode(challenge) != nil ? challenge : ""
        if let error { fields["error"] = pages.localization.string("signin.errors.\(error)", in: Localization.language(for: request)) }
        return pages.render(template, face: .player, title: "signin.title", fields: fields, status: error == nil ? .ok : .badRequest, request: request, context: context)
    }

    private func signInPage(error: String, request: Request, context: AppRequestContext) -> Response {
        pages.render(
            "signin", face: .player, title: "signin.title",
            fields: ["telegramConfigured": false, "error": pages.localization.string("signin.errors.\(error)", in: Localization.language(for: request))],
            status: .unauthorized, request: request, context: context)
    }
}
