import Bonuses
import Core
import Foundation

/// A running bonus as the player sees it on `/wallet` and in the cashier (partial
/// `bonus_panels`): how much is wagered of what is required, until when, the maximum bet, and
/// the forfeit form. Every label from the locale files, every amount formatted.
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

    init?(_ grant: Grant, catalog: [String: Currency], formatter: MoneyFormatter, text: (String) -> String) {
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
        self.met = grant.wageringMet
    }

    /// How far wagering is, in whole percent rounded down (100 only when met).
    static func percent(_ wagered: Int64, of required: Int64) -> Int {
        guard required > 0, wagered < required else { return 100 }
        return Int(required.dividingFullWidth(wagered.multipliedFullWidth(by: 100)).quotient)
    }

    static func panels(_ grants: [Grant], catalog: [String: Currency], language: String, localization: Localization) -> [BonusPanel] {
        grants.compactMap {
            BonusPanel($0, catalog: catalog, formatter: MoneyFormatter(language: language), text: { localization.string($0, in: language) })
        }
    }
}
