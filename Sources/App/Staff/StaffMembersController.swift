import Core
import Foundation
import HTTPTypes
import Hummingbird
import Identity

/// The console's dashboard and its staff page: list, role changes, disabling, TOTP resets and
/// invitations (staff.manage). Every change is audited, refusals as `access.refused`.
struct StaffMembersController {
    let pages: PageRenderer
    let directory: StaffDirectory
    let access: StaffAccess
    let site: SiteURL
    let figures: DashboardFigures

    /// `console` is the console's route group (`/admin`, signed-in staff, CSRF-checked forms).
    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        console.get { request, context -> Response in
            let staff = try context.signedInStaff()
            let language = Localization.language(for: request)
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: request.uri.path)
            var dashboard = console.dashboard
            let text: @Sendable (String) -> String = { pages.localization.string($0, in: language) }
            if staff.role.can(.reportsView) { dashboard.today = await figures.today(text: text, logger: context.logger) }
            dashboard.waiting = await figures.waiting(
                queue: staff.role.can(.withdrawalsApprove), pipeline: staff.role.can(.systemView), text: text, logger: context.logger)
            return pages.render(
                "admin_dashboard", face: .admin, title: "admin.dashboard.title", model: dashboard, frame: console.frame,
                request: request, context: context)
        }
        let area = console.group("staff").add(middleware: PermissionRequired(.staffManage, access))
        area.get { request, context -> Response in
            let staff = try context.signedInStaff()
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
        area.post(":id/:change") { request, context -> Response in
            let staff = try context.signedInStaff()
            let form = try await URLEncodedFormDecoder().decode(
                StaffChangeForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            guard let id = Int64(try context.parameters.require("id")), id != staff.id else {
                throw AppError(.badRequest, code: .invalidTarget)
            }
            do {
                switch try context.parameters.require("change") {
                case "role":
                    guard let role = form.role.flatMap(StaffRole.init(rawValue:)) else { throw AppError(.badRequest, code: .unknownRole) }
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
                    throw AppError(.notFound, code: .notFound)
                }
            } catch let error as StaffDirectoryError {
                try await access.record(
                    "access.refused", by: staff, target: "staff:\(id)", summary: ["reason": "\(error)"], request, context)
                return Response.redirect(to: "/admin/staff?result=notAllowed", type: .normal)
            }
            // Post, redirect, get: a refresh does not submit the change again.
            return Response.redirect(to: "/admin/staff?result=saved", type: .normal)
        }
        area.post("invite") { request, context -> Response in
            let staff = try context.signedInStaff()
            let form = try await URLEncodedFormDecoder().decode(
                InviteForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let language = Localization.language(for: request)
            guard let role = form.role.flatMap(StaffRole.init(rawValue:)) else { throw AppError(.badRequest, code: .unknownRole) }
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
    }

    /// The staff page; after an invitation or TOTP reset it shows the enrolment link, once.
    private func staffPage(
        staff: StaffMember, notice: String? = nil, error: String? = nil, enrolment: (StaffDirectory.Enrolment, title: String)? = nil,
        status: HTTPResponse.Status = .ok, request: Request, context: AppRequestContext
    ) async throws -> Response {
        let language = Localization.language(for: request)
        let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/staff")
        var page = console.staffPage(members: try await directory.list())
        page.notice = notice
        page.error = error
        if let (enrolment, title) = enrolment {
            page.enrolment = .init(
                title: pages.localization.string(title, in: language).replacingOccurrences(of: "{email}", with: enrolment.member.email),
                link: site.staffEnrolment(token: enrolment.token))
        }
        return pages.render(
            "admin_staff", face: .admin, title: "admin.staff.title", model: page, frame: console.frame, status: status, request: request,
            context: context)
    }
}

struct InviteForm: Decodable {
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
    let role: String?
}
