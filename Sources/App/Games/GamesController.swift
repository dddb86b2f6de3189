import Compliance
import Core
import Foundation
import Games
import HTTPTypes
import Hummingbird
import Ledger

/// The player's side of games: the lobby and the game page with the provider's frame (the launch
/// API is `CroupierAPI+Games`); and the providers' side: each provider's wallet endpoints under
/// `/providers/<code>/`, hand-written because their wire format is the provider's.
struct GamesController {
    let pages: PageRenderer
    let providers: ProviderDirectory
    let launcher: GameLauncher
    let wallet: Hub88Wallet
    let header: PlayerHeader
    let protection: PlayerProtection

    func addRoutes(to router: Router<AppRequestContext>) {
        for endpoint in Hub88Endpoint.allCases {
            router.post("/providers/:code/\(endpoint.rawValue)") { request, context -> Response in
                let code = try context.parameters.require("code")
                let body = try await request.body.collect(upTo: context.maxUploadSize)
                let answer = await wallet.handle(
                    provider: code, endpoint: endpoint, body: Array(buffer: body),
                    signature: request.headers[HTTPField.Name(Hub88Signature.header)!])
                return Response(
                    status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                    body: .init(byteBuffer: ByteBuffer(bytes: answer)))
            }
        }
        router.get("/lobby") { request, context -> Response in
            let query = request.uri.queryParameters
            let lobby = Lobby(
                games: try await providers.games(playableOnly: true), providers: try await providers.list().filter(\.enabled),
                category: query["category"].map(String.init), provider: query["provider"].map(String.init),
                search: query["q"].map(String.init) ?? "",
                localization: pages.localization, language: Localization.language(for: request))
            var response = pages.render(
                "lobby", face: .player, title: "lobby.title", model: lobby.view,
                frame: try await header.frame(for: context.player, language: Localization.language(for: request), active: "lobby"),
                request: request, context: context)
            // Thumbnails come from each provider's own host (only absolute http(s) URLs are kept at sync).
            response.headers[.contentSecurityPolicy] = SecurityHeadersMiddleware<AppRequestContext>.contentSecurityPolicy(
                frameAncestors: ["'none'"], imageSources: ["'self'", "data:", "https:"])
            return response
        }
        router.get("/play/:provider/:game") { request, context -> Response in
            guard let player = context.player else { return Response.redirect(to: SiteRoute.signIn.rawValue, type: .normal) }
            // No play during a time-out or self-exclusion: the page with its end and the way to withdraw.
            let protected = try await protection.overview(of: player)
            if protected.exclusion != nil { return Response.redirect(to: ResponsibleGamblingController.path, type: .normal) }
            let providerCode = try context.parameters.require("provider")
            let gameCode = try context.parameters.require("game")
            guard let game = try await providers.game(provider: providerCode, code: gameCode), game.enabled else {
                throw AppError(.notFound, code: .gameNotFound)
            }
            let language = Localization.language(for: request)
            let currency = try await launcher.currency(for: player, requested: request.uri.queryParameters["currency"].map(String.init))
            var page = PlayPage(game: .init(provider: game.provider, code: game.code, name: game.name), currency: currency)
            page.realityCheckMinutes = protected.realityCheckMinutes
            page.sessionLimitMinutes = protected.limits.first { $0.kind == .session }?.units.map(Int.init) ?? 0
            var frameOrigins: [String] = []
            do {
                let url = try await launcher.launch(
                    player: player, provider: providerCode, game: gameCode, currency: currency, request: request, context: context)
                page.launchURL = url
                if let origin = WebOrigin.of(url) {
                    page.providerOrigin = origin
                    frameOrigins.append(origin)
                }
            } catch let error as AppError {
                page.error = .init(
                    title: pages.localization.string("play.errors.\(error.code.rawValue).title", in: language),
                    text: pages.localization.string("play.errors.\(error.code.rawValue).text", in: language))
            }
            var response = pages.render(
                "play", face: .player, title: "play.title", model: page,
                frame: try await header.frame(for: player, language: language, currency: currency), request: request, context: context)
            // Only the launched provider's origin may be framed on this page.
            response.headers[.contentSecurityPolicy] = SecurityHeadersMiddleware<AppRequestContext>.contentSecurityPolicy(
                frameAncestors: ["'none'"], frameSources: ["'self'"] + frameOrigins)
            return response
        }
    }
}

/// The lobby's view model: filters, search, and tiles, tested without HTML.
struct Lobby {
    let games: [Game]
    let providers: [Provider]
    let category: String?
    let provider: String?
    let search: String
    let localization: Localization
    let language: String

    var shown: [Game] {
        let needle = search.trimmingCharacters(in: .whitespaces).lowercased()
        return games.filter { game in
            (category == nil || category == "" || game.category == category)
                && (provider == nil || provider == "" || game.provider == provider)
                && (needle.isEmpty || game.name.lowercased().contains(needle) || game.code.lowercased().contains(needle))
        }
    }

    func href(category: String?, provider: String?) -> String {
        var items: [String] = []
        if let category, !category.isEmpty { items.append("category=\(PageRenderer.queryEncode(category))") }
        if let provider, !provider.isEmpty { items.append("provider=\(PageRenderer.queryEncode(provider))") }
        if !search.isEmpty { items.append("q=\(PageRenderer.queryEncode(search))") }
        return items.isEmpty ? "/lobby" : "/lobby?" + items.joined(separator: "&")
    }

    func categoryLabel(_ code: String) -> String {
        let key = "lobby.categories.\(code)"
        let text = localization.string(key, in: language)
        return text == key ? code.replacingOccurrences(of: "-", with: " ").capitalized : text
    }

    /// The lobby's content: the search, category and provider filters with their counts, tiles.
    struct View: PageModel {
        struct Filter {
            let code: String
            let label: String
            let count: Int
            let active: Bool
            let href: String
        }

        struct ProviderFilter {
            let code: String
            let name: String
            let active: Bool
            let href: String
        }

        struct Tile {
            let provider: String
            let providerName: String
            let code: String
            let name: String
            let categoryLabel: String
            let thumbnail: String
            let rtp: String
            let volatilityLabel: String
            let href: String
            let initial: String
        }

        let query: String
        let categories: [Filter]
        let providers: [ProviderFilter]
        let games: [Tile]
        let hasGames: Bool
        let resultCount: Int
        let clearHref: String
    }

    var view: View {
        let counts = Dictionary(grouping: games, by: \.category).mapValues(\.count)
        let names = Dictionary(providers.map { ($0.code, $0.name) }, uniquingKeysWith: { $1 })
        let tiles = shown.map { game in
            View.Tile(
                provider: game.provider, providerName: names[game.provider] ?? game.provider, code: game.code, name: game.name,
                categoryLabel: categoryLabel(game.category), thumbnail: game.thumbnailURL,
                rtp: game.rtpBasisPoints.map { Amount.decimal(units: Int64($0), scale: 2) + " %" } ?? "",
                volatilityLabel: game.volatility.map { localization.string("lobby.volatility.\($0)", in: language) } ?? "",
                href: "/play/\(game.provider)/\(game.code)", initial: String(game.name.prefix(1)).uppercased())
        }
        let all = View.Filter(
            code: "", label: localization.string("lobby.allCategories", in: language), count: games.count,
            active: category == nil || category == "", href: href(category: nil, provider: provider))
        return View(
            query: search,
            categories: [all]
                + counts.keys.sorted().map { code in
                    View.Filter(
                        code: code, label: categoryLabel(code), count: counts[code] ?? 0, active: code == category,
                        href: href(category: code, provider: provider))
                },
            providers: providers.map { p in
                View.ProviderFilter(
                    code: p.code, name: p.name, active: p.code == provider,
                    href: href(category: category, provider: p.code == provider ? nil : p.code))
            },
            games: tiles, hasGames: !tiles.isEmpty, resultCount: tiles.count, clearHref: SiteRoute.lobby.rawValue)
    }
}

/// `/play/<provider>/<game>`: the game in its frame, or why it could not be launched.
struct PlayPage: PageModel {
    struct GameName {
        let provider: String
        let code: String
        let name: String
    }

    struct Refusal {
        let title: String
        let text: String
    }

    let game: GameName
    let currency: String
    var launchURL: String?
    var providerOrigin: String?
    var error: Refusal?
    /// The player's reality-check interval and session-time limit (0: none), for reality-check.js.
    var realityCheckMinutes = PlayerProtection.defaultRealityCheckMinutes
    var sessionLimitMinutes = 0
}
