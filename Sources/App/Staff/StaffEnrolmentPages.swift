import Foundation
import Hummingbird
import Identity

/// The page behind an enrolment link (an invitation or a TOTP reset): the new member scans
/// the authenticator secret, chooses a password and proves the authenticator works. The link
/// is the credential here, so it is single use, expires, and is rate-limited like a sign-in.
struct StaffEnrolmentPages {
    let pages: PageRenderer
    let directory: StaffDirectory
    let access: StaffAccess
    let limits: SignInLimits

    struct EnrolmentPage: PageModel {
        let email: String
        let otpauth: String
        let secret: String
        let token: String
        let error: String?
    }

    struct EnrolForm: Decodable {
        let password: String?
        let password2: String?
        let totp: String?
    }

    /// `forms` checks the CSRF token of every form posted to it.
    func addRoutes(to forms: RouterGroup<AppRequestContext>) {
        forms.get("/admin/enroll/:token") { request, context -> Response in
            try await limits.check(request, context)
            let token = try context.parameters.require("token")
            return try await page(token: token, request: request, context: context)
        }
        forms.post("/admin/enroll/:token") { request, context -> Response in
            let token = try context.parameters.require("token")
            try await limits.check(request, context, identity: "enrolment:\(token.prefix(64))")
            let form = try await URLEncodedFormDecoder().decode(
                EnrolForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let language = Localization.language(for: request)
            guard form.password == form.password2 else {
                return try await page(
                    token: token, error: pages.localization.string("admin.enrol.mismatch", in: language), request: request, context: context
                )
            }
            do {
                let member = try await directory.completeEnrolment(token: token, password: form.password ?? "", totp: form.totp ?? "")
                try await access.record("staff.enrolled", by: member, target: "staff:\(member.id)", request, context)
                return Response.redirect(to: "/admin/login?enrolled=1", type: .normal)
            } catch StaffDirectoryError.enrolmentInvalid {
                throw AppError(.notFound, code: .enrolmentInvalid)
            } catch let error as StaffDirectoryError {
                let message = pages.localization.string("admin.staff.inviteErrors.\(error.localizationKey)", in: language)
                return try await page(token: token, error: message, request: request, context: context)
            }
        }
    }

    private func page(token: String, error: String? = nil, request: Request, context: AppRequestContext) async throws -> Response {
        let enrolment: (member: StaffMember, otpauth: String, secret: String)
        do {
            enrolment = try await directory.enrolment(token: token)
        } catch StaffDirectoryError.enrolmentInvalid {
            throw AppError(.notFound, code: .enrolmentInvalid)
        }
        let model = EnrolmentPage(
            email: enrolment.member.email, otpauth: enrolment.otpauth, secret: enrolment.secret, token: token, error: error)
        return pages.render(
            "admin_enroll", face: .admin, title: "admin.enrol.title", model: model, status: error == nil ? .ok : .badRequest,
            request: request,
            context: context)
    }
}
