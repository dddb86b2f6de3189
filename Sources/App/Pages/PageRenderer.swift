import Core
import Foundation
import Hummingbird
import Mustache

/// Renders a page: a template plus the page's own fields plus what every page shares
/// (language, theme, strings, request id, CSRF token, language switch, environment badge).
struct PageRenderer: Sendable {
    enum Face: String {
        case player, admin
        var defaultTheme: String { self == .player ? "dark" : "light" }
    }

    let library: MustacheLibrary
    let localization: Localization
    let csrf: CSRFProtection
    let environment: Core.Environment

    static func load(resources: URL, csrf: CSRFProtection, environment: Core.Environment) async throws -> PageRenderer {
        PageRenderer(
            library: try await MustacheLibrary(directory: resources.appendingPathComponent("Templates").path),
            localization: try Localization(directory: resources.appendingPathComponent("Locales")),
            csrf: csrf,
            environment: environment)
    }

    /// `model` is the page's own data; `frame` what its face shows around it (the console's
    /// sidebar, the player's header).
    func render(
        _ template: String, face: Face, title: String, model: some PageModel = NoPageData(), frame: (any PageModel)? = nil,
        status: HTTPResponse.Status = .ok, request: Request, context: AppRequestContext
    ) -> Response {
        let language = Localization.language(for: request)
        let (csrfToken, newCookie) = csrf.token(for: request)
        let shared = SharedPageFields(
            lang: language, theme: theme(for: request, face: face), t: localization.table(language),
            title: localization.string(title, in: language), requestID: context.requestID, csrfToken: csrfToken, path: request.uri.path,
            languages: Localization.supported.map { code in
                SharedPageFields.LanguageLink(
                    code: code, label: Localization.names[code] ?? code, current: code == language,
                    href: "/lang/\(code)?next=\(Self.queryEncode(request.uri.path))")
            },
            environment: environment == .production
                ? nil : SharedPageFields.EnvironmentBadge(badge: environment.rawValue.uppercased(), kind: environment.rawValue))
        let models: [any PageModel] = [model] + (frame.map { [$0] } ?? []) + [shared]
        let html = library.render(PageContext(models: models), withTemplate: template) ?? ""
        var response = Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentLanguage: language],
            body: .init(byteBuffer: ByteBuffer(string: html)))
        if let newCookie { response.setCookie(newCookie) }
        return response
    }

    /// `traceID`: the request's trace when tracing records it, shown beside the request id.
    func errorPage(status: HTTPResponse.Status, traceID: String? = nil, request: Request, context: AppRequestContext) -> Response {
        let key = [400, 403, 404, 413, 500].contains(status.code) ? "\(status.code)" : "generic"
        let language = Localization.language(for: request)
        return render(
            "error", face: .player, title: "errors.\(key).heading",
            model: ErrorPage(
                status: status.code, heading: localization.string("errors.\(key).heading", in: language),
                message: localization.string("errors.\(key).message", in: language), traceID: traceID),
            status: status, request: request, context: context)
    }

    struct ErrorPage: PageModel {
        let status: Int
        let heading: String
        let message: String
        let traceID: String?
    }

    private func theme(for request: Request, face: Face) -> String {
        switch request.cookies["theme"]?.value {
        case "dark": "dark"
        case "light": "light"
        default: face.defaultTheme
        }
    }

    static func queryEncode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "/"
    }
}
