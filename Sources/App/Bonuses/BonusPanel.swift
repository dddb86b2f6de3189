import Bonuses
import Core
import Foundation
import Games

/// A running bonus as the player sees it on `/wallet` and in the cashier (partial
/// `bonus_panels`): how much is wagered of what is required, until when, the maximum bet, and
/// the forfeit form; for free spins, how many are left on which game, and until when. Every label
/// from the locale files, every amount formatted.
struct BonusPanel {
    let currency: String
    let name: String
    let amount: String
    let progress: String
    /// 0–100, for the progress bar.
    let percent: Int
    let wagered: String
    let required: String
    let expiresISO: String
    let expires: String
    let maxBet: String?
    let met: Bool
    /// "3 of 10 free spins of 1.00 left on Croupier Sevens, until …", while they are not over.
    let freeSpins: String?
    let freeSpinsLeft: Int?
    let freeSpinsGameURL: String?

    init?(_ grant: Grant, spins: FreeSpinsStatus?, catalog: [String: Currency], formatter: MoneyFormatter, text: (String) -> String) {
        guard let currency = catalog[grant.currency] else { return nil }
        func money(_ units: Int64) -> String { formatter.format(units: units, currency: currency) }
        self.currency = grant.currency
        self.name = grant.campaignName
        self.amount = money(grant.units)
        self.wagered = money(grant.wageredUnits)
        self.required = money(grant.requiredUnits)
        self.progress = text("bonuses.panel.progress").replacingOccurrences(of: "{wagered}", with: wagered)
            .replacingOccurrences(of: "{required}", with: required)
        self.percent = Self.percent(grant.wageredUnits, of: grant.requiredUnits)
        self.expiresISO = grant.expiresAt.formatted(.iso8601)
        self.expires = text("bonuses.panel.expires").replacingOccurrences(of: "{date}", with: DisplayTime.text(grant.expiresAt))
        self.maxBet = grant.maxBetUnits.map { text("bonuses.panel.maxBet").replacingOccurrences(of: "{amount}", with: money($0)) }
        let spinsOn = spins.map { $0.left > 0 } ?? false
        self.met = grant.wageringMet && !spinsOn
        self.freeSpinsLeft = spinsOn ? spins?.left : nil
        self.freeSpins = spins.flatMap { spins in
            guard spinsOn else { return nil }
            return text("bonuses.panel.freeSpins").replacingOccurrences(of: "{left}", with: String(spins.left))
                .replacingOccurrences(of: "{spins}", with: String(spins.spins)).replacingOccurrences(
                    of: "{stake}", with: money(spins.spinUnits)
                )
                .replacingOccurrences(of: "{game}", with: OriginalsProvider.games.first { $0.code == spins.game }?.name ?? spins.game)
                .replacingOccurrences(of: "{date}", with: DisplayTime.text(spins.validUntil))
        }
        self.freeSpinsGameURL = spinsOn ? spins.map { "/play/\(OriginalsProvider.code)/\($0.game)" } : nil
    }

    /// How far wagering is, in whole percent rounded down (100 only when met).
    static func percent(_ wagered: Int64, of required: Int64) -> Int {
        guard required > 0, wagered < required else { return 100 }
        return Int(required.dividingFullWidth(wagered.multipliedFullWidth(by: 100)).quotient)
    }

    static func panels(
        _ grants: [Grant], spins: [FreeSpinsStatus] = [], catalog: [String: Currency], language: String, localization: Localization
    ) -> [BonusPanel] {
        grants.compactMap { grant in
            BonusPanel(
                grant, spins: spins.first { $0.grantID == grant.id }, catalog: catalog, formatter: MoneyFormatter(language: language),
                text: { localization.string($0, in: language) })
        }
    }
}
