import Core
import Foundation
import Games

/// View models of the console's games area: providers with their keys as fingerprints, the
/// catalogue, and the rounds providers left open.
struct AdminGamesPage: PageModel {
    struct ProviderRow {
        let code: String
        let name: String
        let dialect: String
        let enabled: Bool
        let apiURL: String
        let providerKey: String
        let operatorKey: String
        let games: Int
        let enabledGames: Int
        let currencies: String
    }

    struct GameRow {
        let provider: String
        let code: String
        let name: String
        let category: String
        let enabled: Bool
        let order: Int
        let rtp: String
    }

    let providers: [ProviderRow]
    let games: [GameRow]
    let notice: String?

    /// `allCurrencies` is what a provider that takes every currency shows.
    init(providers: [Provider], games: [Game], allCurrencies: String, notice: String?) {
        self.providers = providers.map { provider in
            let own = games.filter { $0.provider == provider.code }
            return ProviderRow(
                code: provider.code, name: provider.name, dialect: provider.dialect, enabled: provider.enabled, apiURL: provider.apiURL,
                providerKey: provider.providerKeyFingerprint, operatorKey: provider.operatorKeyFingerprint, games: own.count,
                enabledGames: own.filter(\.enabled).count,
                currencies: provider.currencies.isEmpty ? allCurrencies : provider.currencies.joined(separator: ", "))
        }
        self.games = games.map { game in
            GameRow(
                provider: game.provider, code: game.code, name: game.name, category: game.category, enabled: game.enabled,
                order: game.displayOrder, rtp: game.rtpBasisPoints.map { Amount.decimal(units: Int64($0), scale: 2) + " %" } ?? "—")
        }
        self.notice = notice
    }
}

struct OpenRoundsPage: PageModel {
    struct Row {
        let provider: String
        let round: String
        let player: String
        let game: String
        let currency: String
        let bet: String
        let win: String
        let transactions: Int
        let openedISO: String
        let openedText: String
    }

    let rounds: [Row]
    let hasRounds: Bool

    /// Amounts in each round's currency scale (5 when the currency is unknown).
    init(rounds: [GameRound], currencies: [String: Currency]) {
        self.rounds = rounds.map { round in
            let scale = currencies[round.currency]?.scale ?? 5
            return Row(
                provider: round.provider, round: round.round, player: String(round.player.rawValue), game: round.gameCode,
                currency: round.currency, bet: Amount.decimal(units: round.betUnits, scale: scale),
                win: Amount.decimal(units: round.winUnits, scale: scale), transactions: round.transactions,
                openedISO: round.openedAt.formatted(.iso8601), openedText: DisplayTime.text(round.openedAt))
        }
        self.hasRounds = !rounds.isEmpty
    }
}
