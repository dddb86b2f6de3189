import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Ledger
import Persistence

/// The admin console's sign-in, dashboard, staff management and audit log, and the staff JSON
/// API. Every route but sign-in names the permission it needs.
struct StaffController {
    let pages: PageRenderer
    let directory: StaffDirectory
    let sessions: SessionStore
    let access: StaffAccess
    let audit: AuditLog
    let adjustments: StaffAdjustment
    let limits: SignInLimits
    let secureCookies: Bool
    let publicURL: String

    struct LoginForm: Decodable {
        let csrf: String?
        let email: String?
        let password: String?
        let totp: String?
    }

    struct LoginRequest: Decodable {
        let email: String
        let password: String
        let totp: String
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get(SiteRoute.adminLogin.path) { request, context in
            if context.staff != nil { return Response.redirect(to: SiteRoute.adminHome.rawValue, type: .normal) }
            let fields: [String: Any] =
                request.uri.queryParameters["enrolled"] == "1"
                ? ["notice": pages.localization.string("admin.login.enrolled", in: Localization.language(for: request))] : [:]
            return pages.render("admin_login", face: .admin, title: "admin.login.title", fields: fields, request: request, context: context)
        }
        router.post(SiteRoute.adminLogin.path) { request, context in
            let form = try await URLEncodedFormDecoder().decode(
                LoginForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            guard pages.csrf.isValid(form.csrf, for: request) else { throw AppError(.forbidden, code: "csrfTokenInvalid") }
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
                    fields: ["error": pages.localization.string(message, in: language), "email": form.email ?? ""],
                    status: .unauthorized, request: request, context: context)
            }
        }
        router.post("/api/v1/staff/login") { request, context -> Response in
            let body = try await request.decode(as: LoginRequest.self, context: context)
            try await limits.check(request, context, identity: "staff:\(body.email)")
            switch await signIn(email: body.email, password: body.password, totp: body.totp, request, context) {
            case .success(let (staff, cookie)):
                let (csrfToken, seedCookie) = pages.csrf.token(for: request, issuing: cookie)
                var response = try WalletController.json(StaffLoginResponse(staff: .init(staff), csrfToken: csrfToken))
                response.setCookie(cookie)
                if let seedCookie { response.setCookie(seedCookie) }
                return response
            case .failure(.lockedOut(let until)):
                throw RetryLater(code: "lockedOut", until: until)
            case .failure(.invalidCredentials):
                throw AppError(.unauthorized, code: "invalidCredentials")
            }
        }
        router.post("/admin/logout") { request, context -> Response in
            let form = try await URLEncodedFormDecoder().decode(
                LoginForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            guard pages.csrf.isValid(form.csrf, for: request) else { throw AppError(.forbidden, code: "csrfTokenInvalid") }
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
        router.get(SiteRoute.adminHome.path) { request, context -> Response in
            guard let staff = context.staff else { return Response.redirect(to: SiteRoute.adminLogin.rawValue, type: .normal) }
            let console = AdminConsole(
                staff: staff, localization: pages.localization, language: Localization.language(for: request), path: request.uri.path)
            return pages.render(
                "admin_dashboard", face: .admin, title: "admin.dashboard.title", fields: console.dashboardFields, request: request,
                context: context)
        }
        router.get("/admin/staff") { request, context -> Response in
            guard context.staff != nil else { return Response.redirect(to: SiteRoute.adminLogin.rawValue, type: .normal) }
            let staff = try await access.require(.staffManage, request, context)
            let language = Localization.language(for: request)
            return switch request.uri.queryParameters["result"] {
            case "saved":
                try await staffPage(
                    staff: staff, notice: pages.localization.string("admin.staff.saved", in: language), request: request, context: context)
            case "notAllowed":
                try await staffPage(
                    staff: staff, error: pages.localization.string("admin.staff.notAllowed", in: language), request: request,
                    context: context)
            default: try await staffPage(staff: staff, request: request, context: context)
            }
        }
        router.post("/admin/staff/:id/:change") { request, context -> Response in
            let staff = try await access.require(.staffManage, request, context)
            let form = try await URLEncodedFormDecoder().decode(
                StaffChangeForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            guard pages.csrf.isValid(form.csrf, for: request) else { throw AppError(.forbidden, code: "csrfTokenInvalid") }
            guard let id = Int64(try context.parameters.require("id")), id != staff.id else {
                throw AppError(.badRequest, code: "invalidTarget")
            }
            do {
                switch try context.parameters.require("change") {
                case "role":
                    guard let role = form.role.flatMap(StaffRole.init(rawValue:)) else { throw AppError(.badRequest, code: "unknownRole") }
                    let change = try await directory.setRole(of: id, to: role, by: staff.role)
                    try await access.record(
                        "staff.role_changed", by: staff, target: "staff:\(id)",
                        summary: ["before": change.before.rawValue, "after": change.after.rawValue],
                        request, context)
                case "reset-totp":
                    let enrolment = try await directory.resetTOTP(of: id, by: staff)
                    try await access.record("staff.totp_reset", by: staff, target: "staff:\(id)", request, context)
                    return try await staffPage(
                        staff: staff, enrolment: (enrolment, "admin.staff.resetDone"), request: request, context: context)
                case "disable", "enable":
                    let disable = try context.parameters.require("change") == "disable"
                    try await directory.setDisabled(disable, id: id, by: staff.role)
                    try await access.record(
                        disable ? "staff.disabled" : "staff.enabled", by: staff, target: "staff:\(id)", request, context)
                default:
                    throw AppError(.notFound, code: "notFound")
                }
            } catch let error as StaffDirectoryError {
                try await access.record(
                    "access.refused", by: staff, target: "staff:\(id)", summary: ["reason": "\(error)"], request, context)
                return Response.redirect(to: "/admin/staff?result=notAllowed", type: .normal)
            }
            // Post, redirect, get: a refresh does not submit the change again.
            return Response.redirect(to: "/admin/staff?result=saved", type: .normal)
        }
        router.post("/admin/staff/invite") { request, context -> Response in
            let staff = try await access.require(.staffManage, request, context)
            let form = try await URLEncodedFormDecoder().decode(
                InviteForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            guard pages.csrf.isValid(form.csrf, for: request) else { throw AppError(.forbidden, code: "csrfTokenInvalid") }
            let language = Localization.language(for: request)
            guard let role = form.role.flatMap(StaffRole.init(rawValue:)) else { throw AppError(.badRequest, code: "unknownRole") }
            do {
                let enrolment = try await directory.invite(email: form.email ?? "", role: role, by: staff)
                try await access.record(
                    "staff.invited", by: staff, target: "staff:\(enrolment.member.id)",
                    summary: ["email": enrolment.member.email, "role": role.rawValue],
                    request, context)
                return try await staffPage(
                    staff: staff, enrolment: (enrolment, "admin.staff.inviteDone"), request: request, context: context)
            } catch let error as StaffDirectoryError {
                if error == .notAllowed {
                    try await access.record(
                        "access.refused", by: staff, target: "staff.invite", summary: ["role": role.rawValue], request, context)
                }
                let message = pages.localization.string("admin.staff.inviteErrors.\(error.localizationKey)", in: language)
                return try await staffPage(staff: staff, error: message, status: .badRequest, request: request, context: context)
            }
        }
        router.get("/admin/audit") { request, context -> Response in
            guard context.staff != nil else { return Response.redirect(to: SiteRoute.adminLogin.rawValue, type: .normal) }
            let staff = try await access.require(.auditView, request, context)
            let query = request.uri.queryParameters
            let filter = AuditLog.Filter(
                actor: query["actor"].flatMap { $0.isEmpty ? nil : String($0) },
                action: query["action"].flatMap { $0.isEmpty ? nil : String($0) },
                before: query["before"].flatMap { Int64($0) }, limit: 50)
            async let records = audit.search(filter)
            async let chain = audit.verify()
            let console = AdminConsole(
                staff: staff, localization: pages.localization, language: Localization.language(for: request), path: request.uri.path)
            let fields = console.auditFields(records: try await records, chain: try await chain, filter: filter, pageSize: 50)
            return pages.render("admin_audit", face: .admin, title: "admin.audit.title", fields: fields, request: request, context: context)
        }
        router.post("/api/v1/staff/adjustments") { request, context -> Response in
            guard context.staff != nil else { throw AppError(.unauthorized, code: "notSignedIn") }
            try access.requireCSRFHeader(request)
            let staff = try await access.require(.moneyAdjust, request, context)
            let body = try await request.decode(as: AdjustmentRequest.self, context: context)
            let order = StaffAdjustment.Order(
                player: body.player, currency: body.currency, amount: body.amount, reason: body.reason,
                key: request.headers[.idempotencyKey] ?? "", actor: "staff:\(staff.id)")
            do {
                let (outcome, currency) = try await adjustments.apply(order, ip: context.clientAddress, requestID: context.requestID)
                return try WalletController.json(AdjustmentResponse(outcome, currency: currency))
            } catch let refusal as StaffAdjustment.Refusal {
                throw AppError(.badRequest, code: refusal.code)
            }
        }
    }

    /// Signs a staff member in and starts a session; every attempt is audited.
    private func signIn(email: String, password: String, totp: String, _ request: Request, _ context: AppRequestContext) async -> Result<
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

    /// The staff page; after an invitation or TOTP reset it shows the enrolment link, once.
    private func staffPage(
        staff: StaffMember, notice: String? = nil, error: String? = nil, enrolment: (StaffDirectory.Enrolment, title: String)? = nil,
        status: HTTPResponse.Status = .ok, request: Request, context: AppRequestContext
    ) async throws -> Response {
        let language = Localization.language(for: request)
        let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/staff")
        var fields = console.staffFields(members: try await directory.list())
        if let notice { fields["notice"] = notice }
        if let error { fields["error"] = error }
        if let (enrolment, title) = enrolment {
            fields["enrolment"] = [
                "title": pages.localization.string(title, in: language).replacingOccurrences(of: "{email}", with: enrolment.member.email),
                "link": "\(publicURL)/admin/enroll/\(enrolment.token)",
            ]
        }
        return pages.render(
            "admin_staff", face: .admin, title: "admin.staff.title", fields: fields, status: status, request: request, context: context)
    }
}

struct InviteForm: Decodable {
    let csrf: String?
    let email: String?
    let role: String?
}

extension StaffDirectoryError {
    /// The locale key under which people read this refusal.
    var localizationKey: String {
        switch self {
        case .invalidEmail: "invalidEmail"
        case .weakPassword: "weakPassword"
        case .emailTaken: "emailTaken"
        case .notFound: "notFound"
        case .notAllowed: "notAllowed"
        case .enrolmentInvalid: "enrolmentInvalid"
        case .wrongTOTP: "wrongTOTP"
        }
    }
}

struct StaffChangeForm: Decodable {
    let csrf: String?
    let role: String?
}

struct AdjustmentRequest: Decodable {
    let player: Int64
    let currency: String
    let amount: String
    let reason: String
}

struct AdjustmentResponse: Encodable {
    let code: String
    let transaction: String?
    let balanceAfter: TransactionsResponse.Amounts?

    init(_ outcome: Outcome, currency: Currency) {
        code = outcome.code.rawValue
        transaction = outcome.transactionID.map(String.init)
        balanceAfter = outcome.balances.map { TransactionsResponse.Amounts($0, currency: currency) }
    }
}

struct StaffLoginResponse: Encodable {
    struct Staff: Encodable {
        let id: String
        let email: String
        let role: String
        let permissions: [String]

        init(_ member: StaffMember) {
            id = String(member.id)
            email = member.email
            role = member.role.rawValue
            permissions = member.role.permissions.map(\.rawValue).sorted()
        }
    }

    let staff: Staff
    let csrfToken: String
}

extension HTTPField.Name {
    static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
}
