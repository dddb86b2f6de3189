import Compliance
import Core
import Foundation
import Games
import HTTPTypes
import Hummingbird
import Ledger

/// Opens a game for a player: a new session token bound to player, game and currency, handed to
/// the provider in a signed game/url request; the provider answers the URL to frame.
struct GameLauncher {
    let providers: ProviderDirectory
    let registry: ProviderRegistry
    let sessions: GameSessions
    let ledger: Ledger
    let currencies: CurrencyCatalog
    let site: SiteURL
    /// No game opens during the player's time-out or self-exclusion (its bets would be refused).
    let protection: PlayerProtection

    func launch(
        player: PlayerID, provider code: String, game gameCode: String, currency: String, request: Request, context: AppRequestContext
    )
        async throws -> String
    {
        if let exclusion = try await protection.exclusion(of: player) {
            throw AppError(.forbidden, code: exclusion.kind == .timeOut ? .timedOut : .selfExcluded)
        }
        guard let entry = try await registry.entry(code), entry.provider.enabled, entry.games[gameCode] == true else {
            throw AppError(.notFound, code: .gameNotFound)
        }
        guard try await currencies.currency(currency) != nil,
            entry.provider.currencies.isEmpty || entry.provider.currencies.contains(currency)
        else {
            throw AppError(.badRequest, code: .currencyNotOffered)
        }
        let token = try await sessions.start(player: player, provider: code, gameCode: gameCode, currency: currency)
        let userAgent = request.headers[.userAgent] ?? ""
        let launch = Hub88OperatorAPI.LaunchRequest(
            user: String(player.rawValue), token: token, currency: currency, gameCode: gameCode, operatorID: entry.provider.operatorID,
            mobile: userAgent.contains("Mobile") || userAgent.contains("Android"), lang: Localization.language(for: request),
            lobbyURL: site.absolute(.lobby), depositURL: site.absolute(.cashier), ip: context.clientAddress)
        do {
            return try await Hub88OperatorAPI(provider: entry.provider, keys: entry.keys).gameURL(launch)
        } catch let error as Hub88OperatorAPIError {
            context.logger.error("game launch failed", metadata: ["provider": "\(code)", "game": "\(gameCode)", "reason": "\(error)"])
            throw AppError(.badGateway, code: .providerUnavailable)
        }
    }

    /// The requested currency if the ledger knows it, else the one the player holds most of, else EUR.
    func currency(for player: PlayerID, requested: String?) async throws -> String {
        if let requested, try await currencies.currency(requested) != nil { return requested }
        let balances = try await ledger.balances(of: player)
        return balances.max { $0.value.real < $1.value.real }?.key ?? "EUR"
    }
}
