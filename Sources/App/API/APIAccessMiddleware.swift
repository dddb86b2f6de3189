import AppAPI
import HTTPTypes
import Hummingbird
import Identity
import OpenAPIRuntime

/// Who may call an operation and what its request must carry. `APIAccessMiddleware` checks it
/// before the generated layer reads a byte of the body, so an anonymous or cross-site request is
/// refused before anything in it is parsed, in the order the routes always answered: session
/// (401), CSRF token (403), permission (403, audited), body type (415), idempotency key (400).
struct APIOperationPolicy: Sendable, Equatable {
    enum Caller: Sendable, Equatable {
        case anyone
        case player
        case staff(Permission)
    }

    enum Body: Sendable, Equatable {
        case none
        case json
        /// A Mini App sends its signed data in `Authorization: tma …` and no body.
        case jsonUnlessMiniApp
    }

    let caller: Caller
    var csrf = false
    var body = Body.none
    var idempotencyKey = false

    /// Every operation of the document has one; an operation without one is refused (500) rather
    /// than served to anyone.
    static func of(_ operationID: String) -> APIOperationPolicy? {
        switch operationID {
        case Operations.SignInWithTelegram.id: APIOperationPolicy(caller: .anyone, body: .jsonUnlessMiniApp)
        case Operations.SubmitSignInEmail.id, Operations.SubmitSignInCode.id, Operations.ResendSignInCode.id, Operations.SignInStaff.id:
            APIOperationPolicy(caller: .anyone, body: .json)
        case Operations.GetMe.id, Operations.GetWallet.id, Operations.ListWalletTransactions.id, Operations.GetPlaySummary.id:
            APIOperationPolicy(caller: .player)
        case Operations.SignOutEverywhere.id: APIOperationPolicy(caller: .player, csrf: true)
        case Operations.LaunchGame.id, Operations.CreateDeposit.id: APIOperationPolicy(caller: .player, csrf: true, body: .json)
        case Operations.GetDeposit.id, Operations.GetWithdrawal.id: APIOperationPolicy(caller: .player)
        case Operations.CreateWithdrawal.id, Operations.ConfirmWithdrawal.id: APIOperationPolicy(caller: .player, csrf: true, body: .json)
        case Operations.ResendWithdrawalCode.id, Operations.CancelWithdrawal.id: APIOperationPolicy(caller: .player, csrf: true)
        case Operations.RequestAdjustment.id:
            APIOperationPolicy(caller: .staff(.moneyAdjust), csrf: true, body: .json, idempotencyKey: true)
        case Operations.ListAdjustmentRequests.id: APIOperationPolicy(caller: .staff(.moneyAdjust))
        case Operations.RunReport.id: APIOperationPolicy(caller: .staff(.reportsView), csrf: true, body: .json)
        case Operations.ListSavedReports.id, Operations.GetSavedReport.id, Operations.ExportSavedReport.id:
            APIOperationPolicy(caller: .staff(.reportsView))
        case Operations.CreateSavedReport.id, Operations.UpdateSavedReport.id, Operations.SetReportSchedule.id:
            APIOperationPolicy(caller: .staff(.reportsManage), csrf: true, body: .json)
        case Operations.DeleteSavedReport.id, Operations.DeleteReportSchedule.id:
            APIOperationPolicy(caller: .staff(.reportsManage), csrf: true)
        case Operations.ApproveAdjustment.id, Operations.RejectAdjustment.id: APIOperationPolicy(caller: .staff(.moneyAdjust), csrf: true)
        default: nil
        }
    }
}

/// Enforces each operation's `APIOperationPolicy`, and bounds the body by
/// `CROUPIER_MAX_BODY_BYTES` also when it comes without a Content-Length.
struct APIAccessMiddleware: ServerMiddleware {
    let access: StaffAccess

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let scope = try APIRequestScope.required()
        guard let policy = APIOperationPolicy.of(operationID) else {
            scope.context.logger.error("an operation has no access policy", metadata: ["operation": "\(operationID)"])
            throw AppError(.internalServerError, code: .internalError)
        }
        switch policy.caller {
        case .anyone: break
        case .player: _ = try scope.signedInPlayer()
        case .staff: _ = try scope.signedInStaff()
        }
        if policy.csrf {
            try access.requireCSRFHeader(scope.request)
        }
        if case .staff(let permission) = policy.caller {
            _ = try await access.require(permission, scope.request, scope.context)
        }
        if policy.body == .json || (policy.body == .jsonUnlessMiniApp && !Self.isMiniApp(request)) {
            guard JSONBodyDecoder.declaresJSON(request.headerFields[.contentType]) else {
                throw AppError(.unsupportedMediaType, code: .jsonRequired)
            }
        }
        if policy.idempotencyKey, (request.headerFields[.idempotencyKey] ?? "").isEmpty {
            throw AppError(.badRequest, code: .idempotencyKeyRequired)
        }
        let bytes = try await Self.collect(body, limit: scope.context.maxUploadSize)
        if bytes.isEmpty, policy.body == .json { throw AppError(.badRequest, code: .malformedBody) }
        if Self.containsEscapedNUL(bytes) { throw AppError(.badRequest, code: .malformedBody) }
        // An empty body is no body: a Mini App sign-in sends none.
        return try await next(request, bytes.isEmpty ? nil : HTTPBody(bytes), metadata)
    }

    static func isMiniApp(_ request: HTTPRequest) -> Bool {
        request.headerFields[.authorization]?.hasPrefix(miniAppPrefix) == true
    }

    /// How a Mini App's `Authorization` header starts (Telegram's convention).
    static let miniAppPrefix = "tma "

    /// Whether a JSON text holds U+0000 in a string (`\u0000`, the only way JSON can carry it).
    /// PostgreSQL cannot store it in text, so such a value would fail deep inside a handler.
    static func containsEscapedNUL(_ json: [UInt8]) -> Bool {
        let escape = Array(#"\u0000"#.utf8)
        var index = 0
        while index < json.count {
            if json[index] == UInt8(ascii: "\\") {
                if json[index...].starts(with: escape) { return true }
                index += 2  // an escaped character, a backslash included, is never the start of another escape
            } else {
                index += 1
            }
        }
        return false
    }

    private static func collect(_ body: HTTPBody?, limit: Int) async throws -> [UInt8] {
        guard let body else { return [] }
        var bytes: [UInt8] = []
        for try await chunk in body {
            guard bytes.count + chunk.count <= limit else { throw AppError(.contentTooLarge, code: .bodyTooLarge) }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }
}
