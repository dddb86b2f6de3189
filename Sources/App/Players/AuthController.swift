import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity

/// Player sign-in: Telegram first, then e-mail as the second factor. The JSON API serves the
/// Mini App and the pages' scripts; the pages (`SignInPages`) serve the browser without script.
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

    struct TelegramRequest: Decodable {
        let widget: [String: String]?
        let initData: String?
    }

    struct EmailRequest: Decodable {
        let challenge: String
        let email: String
        let adult: Bool
        let acceptTerms: Bool
    }

    struct CodeRequest: Decodable {
        let challenge: String
        let code: String
    }

    struct ResendRequest: Decodable {
        let challenge: String
    }

    struct NextResponse: Encodable {
        let next: String
        let challenge: String?
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.post("/api/v1/auth/telegram") { request, context -> Response in
            try await limits.check(request, context)
            // Mini Apps conventionally send initData as `Authorization: tma <initData>`.
            let tma = request.headers[.authorization].flatMap { $0.hasPrefix("tma ") ? String($0.dropFirst(4)) : nil }
            let body =
                tma == nil
                ? try await request.decode(as: TelegramRequest.self, context: context) : TelegramRequest(widget: nil, initData: tma)
            let now = Date()
            let user: TelegramUser
            let proof: String
            let method = body.widget != nil ? "widget" : "initData"
            do {
                if let widget = body.widget {
                    let verified = try telegram.verifyWidget(widget, now: now)
                    (user, proof) = (verified.user, "widget:\(verified.hash)")
                } else if let initData = body.initData {
                    let verified = try telegram.verifyInitData(initData, now: now)
                    (user, proof) = (verified.user, "initData:\(verified.hash)")
                } else {
                    throw AppError(.badRequest, code: "telegramMalformed")
                }
            } catch let error as TelegramAuthError {
                try await recordFailure(error.code, method: method, request: request, context: context)
                throw AppError(.unauthorized, code: error.code)
            }
            return try await respond(
                to: begin(user, proof: proof, method: method, request: request, context: context, now: now), request: request,
                context: context)
        }
        router.post("/api/v1/auth/email") { request, context -> Response in
            let body = try await request.decode(as: EmailRequest.self, context: context)
            try await limits.check(request, context, identity: "challenge:\(body.challenge)")
            let step = try await mapped {
                try await signIn.submitEmail(
                    challenge: body.challenge, email: body.email, adult: body.adult, acceptTerms: body.acceptTerms,
                    language: Localization.language(for: request))
            }
            return try await respond(to: (step, nil), request: request, context: context)
        }
        router.post("/api/v1/auth/code") { request, context -> Response in
            let body = try await request.decode(as: CodeRequest.self, context: context)
            try await limits.check(request, context, identity: "challenge:\(body.challenge)")
            let (device, newDevice) = deviceID(request)
            let player = try await submitCode(
                challenge: body.challenge, code: body.code, device: device, request: request, context: context)
            return try await respond(to: (.done(player), newDevice), request: request, context: context)
        }
        router.post("/api/v1/auth/code/resend") { request, context -> Response in
            let body = try await request.decode(as: ResendRequest.self, context: context)
            try await limits.check(request, context, identity: "challenge:\(body.challenge)")
            try await mapped { try await signIn.resend(challenge: body.challenge) }
            return try WalletController.json(NextResponse(next: "code", challenge: body.challenge))
        }
        router.get("/api/v1/me") { request, context -> Response in
            guard let player = context.player, let profile = try await signIn.profile(player) else {
                throw AppError(.unauthorized, code: "notSignedIn")
            }
            let (csrfToken, seedCookie) = pages.csrf.token(for: request)
            var response = try WalletController.json(
                MeResponse(
                    player: .init(
                        id: String(profile.id.rawValue), telegramId: String(profile.telegramID), username: profile.username,
                        firstName: profile.firstName,
                        email: profile.email, language: profile.language),
                    csrfToken: csrfToken))
            if let seedCookie { response.setCookie(seedCookie) }
            return response
        }
        router.post("/api/v1/auth/logout") { request, context -> Response in
            guard let player = context.player else { throw AppError(.unauthorized, code: "notSignedIn") }
            guard pages.csrf.isValid(request.headers[.csrfToken], for: request) else {
                throw AppError(.forbidden, code: "csrfTokenInvalid")
            }
            try await sessions.revokeAll(of: .player(player))
            try await access.record(
                "player.logout", by: nil, actor: "player:\(player.rawValue)", summary: ["scope": "everywhere"], request, context)
            var response = try WalletController.json(NextResponse(next: "signedOut", challenge: nil))
            response.setCookie(
                Cookie(
                    name: PlayerSessionMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true,
                    sameSite: .lax))
            return response
        }
        if environment == .development {
            // One click to play as the demo player, so a fresh `make run` is playable without a
            // Telegram bot. Never registered outside development mode.
            router.get("/dev/signin") { request, context -> Response in
                pages.render("dev_signin", face: .player, title: "devSignIn.title", request: request, context: context)
            }
            router.post("/dev/signin") { request, context -> Response in
                struct Form: Decodable { let csrf: String? }
                let form = try await URLEncodedFormDecoder().decode(
                    Form.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
                guard pages.csrf.isValid(form.csrf, for: request) else { throw AppError(.forbidden, code: "csrfTokenInvalid") }
                let player = try await signIn.demoPlayer()
                var response = Response.redirect(to: "/lobby", type: .normal)
                try await startSession(player, request: request, context: context, into: &response, newDevice: deviceID(request).1)
                return response
            }
            router.get("/dev/mail") { request, context -> Response in
                let mails = try await mail.recent()
                let items = mails.map { mail -> [String: Any] in
                    [
                        "id": String(mail.id), "to": mail.mail.recipient, "subject": mail.mail.subject, "text": mail.mail.text,
                        "at": DisplayTime.text(mail.createdAt),
                    ]
                }
                return pages.render(
                    "dev_mail", face: .player, title: "devMail.title", fields: ["mails": items, "hasMails": !items.isEmpty],
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
            try await recordFailure(error.code, method: method, actor: "telegram:\(user.id)", request: request, context: context)
            throw error
        }
    }

    /// The code step, with wrong, expired and used codes recorded as failed sign-ins.
    func submitCode(challenge: String, code: String, device: String, request: Request, context: AppRequestContext) async throws -> PlayerID
    {
        do {
            return try await mapped { try await signIn.submitCode(challenge: challenge, code: code, device: device) }
        } catch let error as AppError {
            try await recordFailure(error.code, method: "emailCode", request: request, context: context)
            throw error
        }
    }

    func recordFailure(_ reason: String, method: String, actor: String = "anonymous", request: Request, context: AppRequestContext)
        async throws
    {
        try await access.record(
            "player.login_failed", by: nil, actor: actor, summary: ["method": method, "reason": reason], request, context)
    }

    private func respond(to outcome: (SignInStep, String?), request: Request, context: AppRequestContext) async throws -> Response {
        let (step, newDevice) = outcome
        var response: Response
        switch step {
        case .email(let challenge):
            response = try WalletController.json(NextResponse(next: "email", challenge: challenge))
            response.setCookie(flow.cookie(for: challenge))
        case .code(let challenge):
            response = try WalletController.json(NextResponse(next: "code", challenge: challenge))
            response.setCookie(flow.cookie(for: challenge))
        case .done(let player):
            response = try WalletController.json(NextResponse(next: "done", challenge: nil))
            try await startSession(player, request: request, context: context, into: &response, newDevice: nil)
        }
        if let newDevice { response.setCookie(deviceCookie(newDevice)) }
        return response
    }

    func startSession(_ player: PlayerID, request: Request, context: AppRequestContext, into response: inout Response, newDevice: String?)
        async throws
    {
        let device = newDevice ?? deviceID(request).0
        let token = try await sessions.start(
            .player(player), policy: .player, userAgent: request.headers[.userAgent] ?? "", ip: context.clientAddress,
            device: device)
        try await access.record("player.login", by: nil, actor: "player:\(player.rawValue)", request, context)
        response.setCookie(
            Cookie(
                name: PlayerSessionMiddleware.cookieName, value: token, maxAge: 30 * 24 * 3600, path: "/", secure: secureCookies,
                httpOnly: true, sameSite: .lax))
        if let newDevice { response.setCookie(deviceCookie(newDevice)) }
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
                default: .badRequest
                }
            throw AppError(status, code: error.code)
        }
    }
}

struct MeResponse: Encodable {
    struct Player: Encodable {
        let id: String
        let telegramId: String
        let username: String?
        let firstName: String
        let email: String
        let language: String
    }

    let player: Player
    let csrfToken: String
}
