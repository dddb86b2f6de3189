import Core
import Foundation
import Games
import Hummingbird
import Identity

/// The console's games area: providers (keys only as fingerprints), the catalogue with its
/// switches, and the rounds providers left open. Every route needs `games.manage`; every change
/// is audited and takes effect in the wallet within the registry's cache lifetime (5 s).
struct AdminGamesController {
    let pages: PageRenderer
    let providers: ProviderDirectory
    let registry: ProviderRegistry
    let rounds: GameRounds
    let access: StaffAccess
    let currencies: CurrencyCatalog

    struct ChangeForm: Decodable {
        let name: String?
        let apiURL: String?
        let order: String?
    }

    /// `console` is the console's route group (`/admin`, signed-in staff, CSRF-checked forms).
    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("games").add(middleware: PermissionRequired(.gamesManage, access))
        area.get { request, context -> Response in
            let staff = try context.signedInStaff()
            let language = Localization.language(for: request)
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/games")
            let page = AdminGamesPage(
                providers: try await providers.list(), games: try await providers.games(),
                allCurrencies: pages.localization.string("admin.games.allCurrencies", in: language),
                notice: request.uri.queryParameters["result"] == "saved"
                    ? pages.localization.string("admin.games.saved", in: language) : nil)
            return pages.render(
                "admin_games", face: .admin, title: "admin.games.title", model: page, frame: console.frame, request: request,
                context: context)
        }
        area.post("providers/:code/:change") { request, context -> Response in
            let staff = try context.signedInStaff()
            let form = try await formBody(request, context)
            let code = try context.parameters.require("code")
            let change = try context.parameters.require("change")
            do {
                switch change {
                case "enable", "disable":
                    try await providers.update(code, enabled: change == "enable")
                case "edit":
                    let name = form.name?.trimmingCharacters(in: .whitespaces)
                    try await providers.update(
                        code, name: name?.isEmpty == false ? name : nil, apiURL: form.apiURL?.isEmpty == false ? form.apiURL : nil)
                default:
                    throw AppError(.notFound, code: .notFound)
                }
            } catch let error as ProviderDirectoryError {
                throw AppError(error == .notFound ? .notFound : .badRequest, code: error == .invalidURL ? .invalidURL : .providerNotFound)
            }
            try await access.record(
                "provider.\(change == "edit" ? "edited" : change + "d")", by: staff, target: "provider:\(code)",
                summary: ["name": form.name ?? "", "apiURL": form.apiURL ?? ""].filter { !$0.value.isEmpty }, request, context)
            registry.invalidate()
            return Response.redirect(to: "/admin/games?result=saved", type: .normal)
        }
        area.post("catalog/:provider/:code/:change") { request, context -> Response in
            let staff = try context.signedInStaff()
            let form = try await formBody(request, context)
            let provider = try context.parameters.require("provider")
            let code = try context.parameters.require("code")
            let change = try context.parameters.require("change")
            do {
                switch change {
                case "enable", "disable": try await providers.setGame(provider: provider, code: code, enabled: change == "enable")
                case "order":
                    guard let order = form.order.flatMap({ Int($0) }), (0...100_000).contains(order) else {
                        throw AppError(.badRequest, code: .invalidOrder)
                    }
                    try await providers.setGame(provider: provider, code: code, displayOrder: order)
                default: throw AppError(.notFound, code: .notFound)
                }
            } catch ProviderDirectoryError.notFound {
                throw AppError(.notFound, code: .gameNotFound)
            }
            try await access.record(
                "game.\(change == "order" ? "reordered" : change + "d")", by: staff, target: "game:\(provider):\(code)", request, context)
            registry.invalidate()
            return Response.redirect(to: "/admin/games?result=saved", type: .normal)
        }
        area.get("rounds") { request, context -> Response in
            let staff = try context.signedInStaff()
            let language = Localization.language(for: request)
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/games/rounds")
            let page = OpenRoundsPage(rounds: try await rounds.open(), currencies: try await currencies.all())
            return pages.render(
                "admin_rounds", face: .admin, title: "admin.rounds.title", model: page, frame: console.frame, request: request,
                context: context)
        }
    }

    private func formBody(_ request: Request, _ context: AppRequestContext) async throws -> ChangeForm {
        try await URLEncodedFormDecoder().decode(ChangeForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
    }
}
