import Compliance
import Core
import Foundation
import Hummingbird
import Identity

/// The console's KYC area (`kyc.review`; docs/compliance.md "What staff do"): the queue of
/// applications and documents waiting for a decision, each player's compliance profile with
/// their documents (shown only here, to staff), and the decisions: approve an application,
/// reject it or a document with words the player sees, or ask for another document. Compliance
/// audits each decision and each document viewed.
struct AdminKYCController {
    let pages: PageRenderer
    let kyc: KYC
    let protection: PlayerProtection
    let currencies: CurrencyCatalog
    let access: StaffAccess

    struct ReasonForm: Decodable {
        let reason: String?
        let kind: String?
    }

    struct LevelForm: Decodable {
        let level: Int?
        let reason: String?
    }

    /// Every result a redirect can name: the page says it from the locale files.
    static let results = [
        "approved", "rejected", "documentRequested", "documentRejected", "closedUnderage", "reasonRequired", "notPending",
        "requirementsMissing", "alreadyReviewed", "kindUnknown", "detailsCorrected", "detailsRefused", "levelSet",
    ]
    static let successes: Set<String> = ["approved", "rejected", "documentRequested", "documentRejected", "detailsCorrected", "levelSet"]

    /// `console` is the console's route group (`/admin`, signed-in staff, CSRF-checked forms).
    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("kyc").add(middleware: PermissionRequired(.kycReview, access))
        area.get { request, context -> Response in
            let staff = try context.signedInStaff()
            let language = Localization.language(for: request)
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/kyc")
            let result = request.uri.queryParameters["result"].map(String.init).flatMap { Self.results.contains($0) ? $0 : nil }
            let page = AdminKYCQueuePage(
                applications: try await kyc.applications.queue(), documents: try await kyc.documents.pending(), result: result,
                text: { pages.localization.string($0, in: language) })
            return pages.render(
                "admin_kyc", face: .admin, title: "admin.kyc.title", model: page, frame: console.frame, request: request, context: context)
        }
        area.get("players/:player") { request, context -> Response in
            let staff = try context.signedInStaff()
            guard let id = context.parameters.get("player", as: Int64.self) else { throw AppError(.notFound, code: .playerNotFound) }
            let player = PlayerID(id)
            let language = Localization.language(for: request)
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/kyc")
            let applications = try await kyc.applications.applications(of: player)
            let open = applications.first { [.pending, .documentRequested].contains($0.state) }
            let result = request.uri.queryParameters["result"].map(String.init).flatMap { Self.results.contains($0) ? $0 : nil }
            var review: ApplicationReview?
            // The page shows personal data: each look is audited, through the review when one is open.
            if let open {
                review = try await kyc.applications.review(open.id, staff: staff.id)
            } else {
                try await access.record("compliance.profile_viewed", by: staff, target: "player:\(id)", request, context)
            }
            var page = AdminKYCPlayerPage(
                player: player, level: try await kyc.levels.level(of: player), profile: try await kyc.profiles.profile(of: player),
                documents: try await kyc.documents.documents(of: player), applications: applications,
                review: review, result: result,
                success: result.map(Self.successes.contains) ?? false, text: { pages.localization.string($0, in: language) })
            page.protection = AdminProtectionSection(
                ResponsibleGamblingPage(
                    overview: try await protection.overview(of: player), currencies: try await currencies.all(),
                    wording: ProtectionWording(text: { pages.localization.string($0, in: language) }), notice: nil, error: nil))
            return pages.render(
                "admin_kyc_player", face: .admin, title: "admin.kyc.player.title", model: page, frame: console.frame, request: request,
                context: context)
        }
        area.post("players/:player/details") { request, context -> Response in
            let staff = try context.signedInStaff()
            guard let id = context.parameters.get("player", as: Int64.self) else { throw AppError(.notFound, code: .playerNotFound) }
            let form = try await URLEncodedFormDecoder().decode(
                ProfileDetailsForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            do {
                _ = try await kyc.profiles.update(
                    form.changes, of: PlayerID(id), staff: staff.id)
                return back(to: PlayerID(id), "detailsCorrected")
            } catch let problem as ProfileProblem {
                try await access.record(
                    "access.refused", by: staff, target: "player:\(id)", summary: ["reason": problem.code], request, context)
                return back(to: PlayerID(id), "detailsRefused")
            }
        }
        area.post("players/:player/level") { request, context -> Response in
            let staff = try context.signedInStaff()
            guard let id = context.parameters.get("player", as: Int64.self) else { throw AppError(.notFound, code: .playerNotFound) }
            let form = try await URLEncodedFormDecoder().decode(
                LevelForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let reason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            guard let level = form.level, KYCLevel.range.contains(level), !reason.isEmpty else {
                return back(to: PlayerID(id), "reasonRequired")
            }
            try await kyc.levels.assign(level: level, to: PlayerID(id), staff: staff.id, reason: reason)
            return back(to: PlayerID(id), "levelSet")
        }
        area.get("documents/:id") { request, context -> Response in
            let staff = try context.signedInStaff()
            let id = try context.parameters.require("id")
            let content: DocumentContent
            do {
                content = try await kyc.documents.content(id, staff: staff.id)
            } catch DocumentRefusal.notFound {
                throw AppError(.notFound, code: .documentNotFound)
            }
            // Whatever the bytes hold, the browser neither guesses another type, nor runs them, nor
            // opens them in the console's origin: an <img> shows a picture, anything else downloads.
            return Response(
                status: .ok,
                headers: [
                    .contentType: content.document.contentType.rawValue,
                    .contentDisposition: "attachment; filename=\"\(content.downloadName)\"",
                    .xContentTypeOptions: "nosniff",
                    .contentSecurityPolicy: "default-src 'none'; sandbox",
                    .cacheControl: "no-store",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: content.bytes)))
        }
        area.post("documents/:id/reject") { request, context -> Response in
            let staff = try context.signedInStaff()
            let id = try context.parameters.require("id")
            let form = try await reasonForm(request, context)
            do {
                let document = try await kyc.documents.reject(id, reason: form.reason ?? "", staff: staff.id)
                return back(to: document.player, "documentRejected")
            } catch let refusal as DocumentRefusal {
                return try await refused(refusal.code, target: "document:\(id)", staff: staff, request: request, context: context)
            }
        }
        area.post("applications/:id/approve") { request, context -> Response in
            let staff = try context.signedInStaff()
            let id = try context.parameters.require("id")
            do {
                switch try await kyc.applications.approve(id, staff: staff.id) {
                case .approved(let application): return back(to: application.player, "approved")
                case .closedUnderage(let finding): return back(to: finding.player, "closedUnderage")
                }
            } catch let refusal as ApplicationRefusal {
                return try await refused(refusal, id: id, staff: staff, request: request, context: context)
            }
        }
        area.post("applications/:id/reject") { request, context -> Response in
            let staff = try context.signedInStaff()
            let id = try context.parameters.require("id")
            let form = try await reasonForm(request, context)
            do {
                let application = try await kyc.applications.reject(id, reason: form.reason ?? "", staff: staff.id)
                return back(to: application.player, "rejected")
            } catch let refusal as ApplicationRefusal {
                return try await refused(refusal, id: id, staff: staff, request: request, context: context)
            }
        }
        area.post("applications/:id/request") { request, context -> Response in
            let staff = try context.signedInStaff()
            let id = try context.parameters.require("id")
            let form = try await reasonForm(request, context)
            guard let kind = form.kind.flatMap(DocumentKind.init(rawValue:)) else {
                return try await refused("kindUnknown", target: "application:\(id)", staff: staff, request: request, context: context)
            }
            do {
                let application = try await kyc.applications.requestDocument(id, kind: kind, reason: form.reason ?? "", staff: staff.id)
                return back(to: application.player, "documentRequested")
            } catch let refusal as ApplicationRefusal {
                return try await refused(refusal, id: id, staff: staff, request: request, context: context)
            }
        }
    }

    private func reasonForm(_ request: Request, _ context: AppRequestContext) async throws -> ReasonForm {
        try await URLEncodedFormDecoder().decode(ReasonForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
    }

    private func back(to player: PlayerID, _ result: String) -> Response {
        Response.redirect(to: "/admin/kyc/players/\(player.rawValue)?result=\(result)", type: .normal)
    }

    private func refused(_ refusal: ApplicationRefusal, id: String, staff: StaffMember, request: Request, context: AppRequestContext)
        async throws -> Response
    {
        if refusal == .notFound { throw AppError(.notFound, code: .applicationNotFound) }
        let result =
            switch refusal {
            case .reasonMissing: "reasonRequired"
            case .requirementsMissing: "requirementsMissing"
            default: "notPending"
            }
        return try await refused(result, target: "application:\(id)", staff: staff, request: request, context: context)
    }

    /// A refused decision is audited and the reviewer sent back to the queue, which says why.
    private func refused(_ result: String, target: String, staff: StaffMember, request: Request, context: AppRequestContext)
        async throws -> Response
    {
        if result == "documentNotFound" { throw AppError(.notFound, code: .documentNotFound) }
        try await access.record("access.refused", by: staff, target: target, summary: ["reason": result], request, context)
        let known = Self.results.contains(result) ? result : "alreadyReviewed"
        return Response.redirect(to: "/admin/kyc?result=\(known)", type: .normal)
    }
}
