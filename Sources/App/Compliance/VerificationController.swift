import Compliance
import Core
import Foundation
import Hummingbird

/// The player's verification, `/verification` (docs/compliance.md "What the player sees"): their
/// KYC level and limits, their details, their documents (uploaded here, never shown back) and
/// the application for the next level. Compliance audits every change.
struct VerificationController {
    let pages: PageRenderer
    let kyc: KYC
    let currencies: CurrencyCatalog
    let header: PlayerHeader

    /// The upload route takes a document of up to `DocumentLimits.maxBytes` and the form around it.
    static let uploadPath = "/verification/documents"
    static let uploadBodyBytes = DocumentLimits.maxBytes + 64 * 1024

    struct ApplyForm: Decodable {
        let level: Int?
    }

    /// Every result a redirect can name: the page says it from the locale files.
    static let results = ["detailsSaved", "documentUploaded", "applied", "closed"]

    /// The player is signed in before the CSRF check reads a body: the upload route takes up to
    /// 10 MiB, which nobody signed out should make the server hold.
    func addRoutes(to router: Router<AppRequestContext>, csrf: CSRFProtection) {
        let own = router.group("/verification").add(middleware: SignInRequired.player).add(middleware: CSRFMiddleware(csrf: csrf))
        own.get { request, context -> Response in
            let result = request.uri.queryParameters["result"].map(String.init).flatMap { Self.results.contains($0) ? $0 : nil }
            let language = Localization.language(for: request)
            return try await page(
                request: request, context: context, notice: result.map { pages.localization.string("kyc.results.\($0)", in: language) })
        }
        own.post("details") { request, context -> Response in
            let player = try context.signedInPlayer()
            let form = try await URLEncodedFormDecoder().decode(
                ProfileDetailsForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            do {
                let saved = try await kyc.profiles.update(
                    form.changes, of: player)
                // Compliance closed the account in the same transaction if the date is under 18.
                let minor = saved.dateOfBirth.flatMap { ProfileValidation.age(dateOfBirth: $0, at: Date()) }.map {
                    $0 < KYCApplications.adultAge
                }
                return Response.redirect(to: "/verification?result=\(minor == true ? "closed" : "detailsSaved")", type: .normal)
            } catch let problem as ProfileProblem {
                let typed = VerificationPage.Details(
                    legalName: form.legalName ?? "", dateOfBirth: form.dateOfBirth ?? "", country: form.country ?? "",
                    address: form.address ?? "")
                return try await page(
                    request: request, context: context, status: .unprocessableContent, typed: typed, error: message(problem, request))
            }
        }
        own.post("documents") { request, context -> Response in
            let player = try context.signedInPlayer()
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let form: MultipartForm
            do {
                form = try MultipartForm(body: Array(buffer: body), contentType: request.headers[.contentType] ?? "")
            } catch {
                return try await uploadRefused(.badRequest, "multipartMalformed", request: request, context: context)
            }
            guard let kind = form.field("kind").flatMap(DocumentKind.init(rawValue:)) else {
                return try await uploadRefused(.unprocessableContent, "documentKindUnknown", request: request, context: context)
            }
            guard let file = form.file("document") else {
                return try await uploadRefused(.unprocessableContent, "documentEmpty", request: request, context: context)
            }
            do {
                _ = try await kyc.documents.submit(player: player, kind: kind, bytes: Data(file.body), claimedFilename: file.filename ?? "")
                return Response.redirect(to: "/verification?result=documentUploaded", type: .normal)
            } catch let refusal as DocumentRefusal {
                let status: HTTPResponse.Status =
                    switch refusal {
                    case .tooLarge: .contentTooLarge
                    case .unsupportedType: .unsupportedMediaType
                    case .tooManyPending: .conflict
                    default: .unprocessableContent
                    }
                return try await uploadRefused(status, refusal.code, request: request, context: context)
            }
        }
        own.post("apply") { request, context -> Response in
            let player = try context.signedInPlayer()
            let form = try await URLEncodedFormDecoder().decode(
                ApplyForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            do {
                switch try await kyc.applications.submit(player: player, level: form.level ?? -1) {
                case .submitted: return Response.redirect(to: "/verification?result=applied", type: .normal)
                case .closedUnderage: return Response.redirect(to: "/verification?result=closed", type: .normal)
                }
            } catch let refusal as ApplicationRefusal {
                let language = Localization.language(for: request)
                return try await page(
                    request: request, context: context, status: .conflict,
                    error: pages.localization.string("kyc.errors.\(refusal.code)", in: language))
            }
        }
    }

    private func message(_ problem: ProfileProblem, _ request: Request) -> String {
        let language = Localization.language(for: request)
        var words = pages.localization.string("kyc.errors.\(problem.code)", in: language)
        switch problem {
        case .badLength(let field), .controlCharacters(let field), .fieldVerified(let field):
            words = words.replacingOccurrences(
                of: "{field}", with: pages.localization.string("kyc.requirements.\(field.rawValue)", in: language))
        default: break
        }
        return words
    }

    private func uploadRefused(_ status: HTTPResponse.Status, _ code: String, request: Request, context: AppRequestContext) async throws
        -> Response
    {
        let language = Localization.language(for: request)
        let words = pages.localization.string("kyc.errors.\(code)", in: language)
            .replacingOccurrences(
                of: "{size}", with: ByteCountFormatter.string(fromByteCount: Int64(DocumentLimits.maxBytes), countStyle: .binary))
        return try await page(request: request, context: context, status: status, uploadError: words)
    }

    func page(
        request: Request, context: AppRequestContext, status: HTTPResponse.Status = .ok, typed: VerificationPage.Details? = nil,
        notice: String? = nil, error: String? = nil, uploadError: String? = nil
    ) async throws -> Response {
        let player = try context.signedInPlayer()
        let language = Localization.language(for: request)
        let view = try await kyc.verification(of: player)
        let wording = KYCWording(
            text: { pages.localization.string($0, in: language) }, formatter: MoneyFormatter(language: language),
            pivot: try await currencies.currency(view.pivot))
        var response = pages.render(
            "verification", face: .player, title: "kyc.title",
            model: VerificationPage(
                view: view, wording: wording, language: language, typed: typed, notice: notice, error: error, uploadError: uploadError),
            frame: try await header.frame(for: player, language: language, active: "verification"), request: request, context: context)
        response.status = status
        return response
    }
}
