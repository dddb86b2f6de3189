import Bonuses
import Core
import Foundation
import Hummingbird
import Ledger

/// The player's wallet page, `/wallet`. Its JSON twin is `CroupierAPI+Wallet`; both filter the
/// history through `HistoryQuery`.
struct WalletController {
    let ledger: Ledger
    let currencies: CurrencyCatalog
    let pages: PageRenderer
    let grants: Grants

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/wallet") { request, context -> Response in
            guard let player = context.player else {
                return Response.redirect(to: SiteRoute.signIn.rawValue, type: .normal)
            }
            let catalog = try await currencies.all()
            let query = request.uri.queryParameters
            func value(_ name: String) -> String? { query[Substring(name)].map(String.init) }
            let filter = try HistoryQuery(
                currency: value("currency"), kind: value("kind"), from: value("from"), until: value("until"), cursor: value("before"),
                limit: value("limit")
            ).filter(catalog: catalog)
            async let balances = ledger.balances(of: player)
            async let page = ledger.history(of: player, filter: filter)
            async let running = grants.active(of: player)
            async let spins = grants.freeSpins(of: player)
            let language = Localization.language(for: request)
            let view = WalletPage(
                language: language, localization: pages.localization, catalog: catalog,
                balances: try await balances, page: try await page, filter: filter,
                query: Dictionary(
                    request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first }))
            var model = view.view
            model.bonuses = BonusPanel.panels(
                try await running, spins: try await spins, catalog: catalog, language: language, localization: pages.localization)
            model.hasBonuses = !model.bonuses.isEmpty
            return pages.render(
                "wallet", face: .player, title: "wallet.title", model: model, frame: view.frame, request: request, context: context)
        }
    }
}
