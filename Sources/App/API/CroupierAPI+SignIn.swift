import AppAPI
import Foundation
import Hummingbird
import Identity

/// Player sign-in: Telegram first, then e-mail as the second factor; the Mini App and the pages'
/// scripts use these, the pages without script use `SignInPages`. Both call `AuthController`.
extension CroupierAPI {
    func signInWithTelegram(_ input: Operations.SignInWithTelegram.Input) async throws -> Operations.SignInWithTelegram.Output {
        let scope = try APIRequestScope.required()
        let (request, context) = (scope.request, scope.context)
        try await auth.limits.check(request, context)
        let signed: Components.Schemas.TelegramSignIn
        if let header = request.headers[.authorization], header.hasPrefix(APIAccessMiddleware.miniAppPrefix) {
            signed = .init(initData: String(header.dropFirst(APIAccessMiddleware.miniAppPrefix.count)))
        } else if case .json(let body) = input.body {
            signed = body
        } else {
            throw AppError(.badRequest, code: .malformedBody)
        }
        let now = Date()
        let method = signed.widget != nil ? "widget" : "initData"
        let user: TelegramUser
        let proof: String
        do {
            if let widget = signed.widget {
                let verified = try auth.telegram.verifyWidget(widget.additionalProperties, now: now)
                (user, proof) = (verified.user, "widget:\(verified.hash)")
            } else if let initData = signed.initData {
                let verified = try auth.telegram.verifyInitData(initData, now: now)
                (user, proof) = (verified.user, "initData:\(verified.hash)")
            } else {
                throw AppError(.badRequest, code: .telegramMalformed)
            }
        } catch let error as TelegramAuthError {
            try await auth.recordFailure(error.code, method: method, request: request, context: context)
            throw AppError(.unauthorized, code: ErrorCode(error))
        }
        let (step, newDevice) = try await auth.begin(user, proof: proof, method: method, request: request, context: context, now: now)
        return .ok(.init(body: .json(try await answer(step, newDevice: newDevice, in: scope))))
    }

    func submitSignInEmail(_ input: Operations.SubmitSignInEmail.Input) async throws -> Operations.SubmitSignInEmail.Output {
        let scope = try APIRequestScope.required()
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        try await auth.limits.check(scope.request, scope.context, identity: "challenge:\(body.challenge)")
        let step = try await auth.mapped {
            try await auth.signIn.submitEmail(
                challenge: body.challenge, email: body.email, adult: body.adult, acceptTerms: body.acceptTerms,
                language: Localization.language(for: scope.request))
        }
        return .ok(.init(body: .json(try await answer(step, newDevice: nil, in: scope))))
    }

    func submitSignInCode(_ input: Operations.SubmitSignInCode.Input) async throws -> Operations.SubmitSignInCode.Output {
        let scope = try APIRequestScope.required()
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        try await auth.limits.check(scope.request, scope.context, identity: "challenge:\(body.challenge)")
        let (device, newDevice) = auth.deviceID(scope.request)
        let player = try await auth.submitCode(
            challenge: body.challenge, code: body.code, device: device, request: scope.request, context: scope.context)
        return .ok(.init(body: .json(try await answer(.done(player), newDevice: newDevice, in: scope))))
    }

    func resendSignInCode(_ input: Operations.ResendSignInCode.Input) async throws -> Operations.ResendSignInCode.Output {
        let scope = try APIRequestScope.required()
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        try await auth.limits.check(scope.request, scope.context, identity: "challenge:\(body.challenge)")
        try await auth.mapped { try await auth.signIn.resend(challenge: body.challenge) }
        return .ok(.init(body: .json(.init(next: .code, challenge: body.challenge))))
    }

    func getMe(_ input: Operations.GetMe.Input) async throws -> Operations.GetMe.Output {
        let scope = try APIRequestScope.required()
        guard let profile = try await auth.signIn.profile(try scope.signedInPlayer()) else {
            throw AppError(.unauthorized, code: .notSignedIn)
        }
        let (csrfToken, seedCookie) = auth.pages.csrf.token(for: scope.request)
        if let seedCookie { scope.cookies.set(seedCookie) }
        return .ok(.init(body: .json(.init(player: .init(profile), csrfToken: csrfToken))))
    }

    func signOutEverywhere(_ input: Operations.SignOutEverywhere.Input) async throws -> Operations.SignOutEverywhere.Output {
        let scope = try APIRequestScope.required()
        let player = try scope.signedInPlayer()
        try await auth.sessions.revokeAll(of: .player(player))
        try await auth.access.record(
            "player.logout", by: nil, actor: "player:\(player.rawValue)", summary: ["scope": "everywhere"], scope.request, scope.context)
        scope.cookies.set(auth.sessionCookie(""))
        return .ok(.init(body: .json(.init(next: .signedOut))))
    }

    /// What the client does next, with the cookies that go with it: the flow binding with a
    /// challenge, the session when signed in, the device id when the browser had none (the same
    /// id the sign-in confirmed, so the session is listed under that device).
    private func answer(_ step: SignInStep, newDevice: String?, in scope: APIRequestScope) async throws -> Components.Schemas.SignInStep {
        func challenged(_ next: Components.Schemas.SignInStep.NextPayload, _ challenge: String) -> Components.Schemas.SignInStep {
            scope.cookies.set(auth.flow.cookie(for: challenge))
            if let newDevice { scope.cookies.set(auth.deviceCookie(newDevice)) }
            return .init(next: next, challenge: challenge)
        }
        switch step {
        case .email(let challenge): return challenged(.email, challenge)
        case .code(let challenge): return challenged(.code, challenge)
        case .done(let player):
            for cookie in try await auth.startSession(player, request: scope.request, context: scope.context, newDevice: newDevice) {
                scope.cookies.set(cookie)
            }
            return .init(next: .done)
        }
    }
}

extension Components.Schemas.Me.PlayerPayload {
    init(_ profile: PlayerSignIn.Profile) {
        self.init(
            id: String(profile.id.rawValue), telegramId: String(profile.telegramID), username: profile.username,
            firstName: profile.firstName, email: profile.email, language: profile.language)
    }
}
