import Core
import Ledger

/// The header's balance chip for a signed-in player: the page's currency, or their largest.
struct PlayerHeader {
    let ledger: Ledger
    let currencies: CurrencyCatalog

    /// The header of a player's page: the balance chip in `preferred` currency (else the largest
    /// real balance), and which navigation item is current.
    func frame(for player: PlayerID?, language: String, currency preferred: String? = nil, active: String? = nil) async throws
        -> PlayerFrame
    {
        let nav = active.map { [$0: true] } ?? [:]
        guard let player else { return PlayerFrame(player: nil, activeNav: nav) }
        let catalog = try await currencies.all()
        let balances = try await ledger.balances(of: player)
        let code = preferred ?? balances.max { $0.value.real < $1.value.real }?.key ?? "EUR"
        guard let currency = catalog[code] else {
            return PlayerFrame(player: .init(id: String(player.rawValue), balance: nil), activeNav: nav)
        }
        let formatter = MoneyFormatter(language: language)
        let mine = balances[code] ?? .zero
        let balance = PlayerFrame.Balance(
            real: formatter.format(units: mine.real, currency: currency),
            bonus: mine.bonus > 0 ? formatter.format(units: mine.bonus, currency: currency) : nil, currency: code)
        return PlayerFrame(player: .init(id: String(player.rawValue), balance: balance), activeNav: nav)
    }
}

/// What a player's page shows around its content: the signed-in player's balance chip (none
/// when signed out) and the current navigation item.
struct PlayerFrame: PageModel {
    struct Balance {
        let real: String
        let bonus: String?
        let currency: String?
    }

    struct Player {
        let id: String?
        let balance: Balance?
    }

    let player: Player?
    let activeNav: [String: Bool]
}
