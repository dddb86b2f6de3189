import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity

/// Player sign-in: Telegram first, then e-mail as the second factor. The steps the JSON API
/// (`CroupierAPI+SignIn`) and the pages without script (`SignInPages`) share, and the
/// development mode's one-click sign-in.
struct AuthController {
    let signIn: PlayerSignIn
    let sessions: SessionStore
    let telegram: TelegramVerifier
    let pages: PageRenderer
    let mail: MailQueue
    let environment: Core.Environment
    let limits: SignInLimits
    let secureCookies: Bool
    let authMaxAge: TimeInterval
    /// Writes sign-in successes and failures to the audit log.
    let access: StaffAccess
    /// Nil when no OpenID Connect client is configured.
    let oidc: TelegramOIDC?
    /// Which browser started which challenge, for the mailed link.
    let flow: SignInFlowBinding

    static let deviceCookie = "croupier_device"

    /// `forms` checks the CSRF token of every form posted to it.
    func addRoutes(to forms: RouterGroup<AppRequestContext>) {
        if environment == .development {
            // One click to play as the demo player, so a fresh `make run` is playable without a
            // Telegram bot. Never registered outside development mode.
            forms.get("/dev/signin") { request, context -> Response in
                pages.render("dev_signin", face: .player, title: "devSignIn.title", request: request, context: context)
            }
            forms.post("/dev/signin") { request, context -> Response in
                let player = try await signIn.demoPlayer()
                var response = Response.redirect(to: SiteRoute.lobby.rawValue, type: .normal)
                for cookie in try await startSession(player, request: request, context: context, newDevice: deviceID(request).1) {
                    response.setCookie(cookie)
                }
                return response
            }
            forms.get("/dev/mail") { request, context -> Response in
                let mails = try await mail.recent()
                let items = mails.map { mail in
                    DevMailPage.Mail(
                        id: String(mail.id), to: mail.mail.recipient, subject: mail.mail.subject, text: mail.mail.text,
                        at: DisplayTime.text(mail.createdAt))
                }
                return pages.render(
                    "dev_mail", face: .player, title: "devMail.title", model: DevMailPage(mails: items, hasMails: !items.isEmpty),
                    request: request, context: context)
            }
        }
    }

    /// Telegram vouched for `user`; what comes next depends on whether they and this device are known.
    func begin(_ user: TelegramUser, proof: String, method: String, request: Request, context: AppRequestContext, now: Date) async throws
        -> (SignInStep, String?)
    {
        let (device, newDevice) = deviceID(request)
        do {
            let step = try await mapped {
                try await signIn.begin(
                    telegram: user, proof: proof, proofExpires: user.authDate.addingTimeInterval(authMaxAge + 3600), device: device,
                    language: Localization.language(for: request), now: now)
            }
            return (step, newDevice)
        } catch let error as AppError {
            try await recordFailure(error.code.rawValue, method: method, actor: "telegram:\(user.id)", request: request, context: context)
            throw error
        }
    }

    /// The code step, with wrong, expired and used codes recorded as failed sign-ins.
    func submitCode(challenge: String, code: String, device: String, request: Request, context: AppRequestContext) async throws -> PlayerID
    {
        do {
            return try await mapped { try await signIn.submitCode(challenge: challenge, code: code, device: device) }
        } catch let error as AppError {
            try await recordFailure(error.code.rawValue, method: "emailCode", request: request, context: context)
            throw error
        }
    }

    func recordFailure(_ reason: String, method: String, actor: String = "anonymous", request: Request, context: AppRequestContext)
        async throws
    {
        try await access.record(
            "player.login_failed", by: nil, actor: actor, summary: ["method": method, "reason": reason], request, context)
    }

    /// Starts the player's session; the answer must set the cookies returned.
    func startSession(_ player: PlayerID, request: Request, context: AppRequestContext, newDevice: String?) async throws -> [Cookie] {
        let device = newDevice ?? deviceID(request).0
        let token = try await sessions.start(
            .player(player), policy: .player, userAgent: request.headers[.userAgent] ?? "", ip: context.clientAddress,
            device: device)
        try await access.record("player.login", by: nil, actor: "player:\(player.rawValue)", request, context)
        return [sessionCookie(token)] + (newDevice.map { [deviceCookie($0)] } ?? [])
    }

    /// The session cookie; an empty token clears it.
    func sessionCookie(_ token: String) -> Cookie {
        Cookie(
            name: PlayerSessionMiddleware.cookieName, value: token, maxAge: token.isEmpty ? 0 : 30 * 24 * 3600, path: "/",
            secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// The browser's device id, or a new one to set.
    func deviceID(_ request: Request) -> (String, String?) {
        if let existing = request.cookies[Self.deviceCookie]?.value, existing.count == 64, Hex.decode(existing) != nil {
            return (existing, nil)
        }
        let fresh = RandomToken.hex(byteCount: 32)
        return (fresh, fresh)
    }

    func deviceCookie(_ value: String) -> Cookie {
        Cookie(
            name: Self.deviceCookie, value: value, maxAge: 365 * 24 * 3600, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax
        )
    }

    /// Sign-in refusals become 4xx answers with their code.
    @discardableResult
    func mapped<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SignInError {
            let status: HTTPResponse.Status =
                switch error {
                case .replayed, .challengeInvalid, .codeInvalid, .codeLocked: .unauthorized
                case .resendTooSoon: .tooManyRequests
                case .emailTaken: .conflict
                case .playerBlocked: .forbidden
                default: .badRequest
                }
            throw AppError(status, code: ErrorCode(error))
        }
    }
}

/// `/dev/mail` (development only): the mail the server queued, newest first.
struct DevMailPage: PageModel {
    struct Mail {
        let id: String
        let to: String
        let subject: String
        let text: String
        let at: String
    }

    let mails: [Mail]
    let hasMails: Bool
}
