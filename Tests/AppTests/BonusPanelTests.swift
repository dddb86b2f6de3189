import Core
import Foundation
import Testing

@testable import App
@testable import Bonuses

/// The bonus panel of a free-spin grant: while spins are open it says how many are left and does
/// not call the bonus wagered (its requirement may still be 0); once they are over it is an
/// ordinary wagering bonus.
@Suite struct BonusPanelTests {
    let localization = try! Localization(directory: packageRoot().appendingPathComponent("Sources/App/Resources/Locales"))
    let euro = Currency(code: "EUR", scale: 5, kind: .fiat)

    func grant(units: Int64) -> Grant {
        Grant(
            id: 9, player: PlayerID(7), currency: "EUR", campaignID: 1, campaignName: "Spins", units: units, requiredUnits: units * 10,
            wageredUnits: 0, maxBetUnits: nil, maxConversionUnits: nil, expiresAt: Date(timeIntervalSince1970: 1_800_000_000),
            state: .active, convertedUnits: 0, forfeitedUnits: 0, reason: nil)
    }

    func spins(left: Int) -> FreeSpinsStatus {
        FreeSpinsStatus(
            grantID: 9, game: "slot", spins: 10, left: left, spinUnits: 20_000, validUntil: Date(timeIntervalSince1970: 1_800_000_000))
    }

    @Test(arguments: ["en", "ru"])
    func openSpinsAreShownWithWhatIsLeftAndTheGame(language: String) throws {
        let panel = try #require(
            BonusPanel.panels(
                [grant(units: 0)], spins: [spins(left: 3)], catalog: ["EUR": euro], language: language,
                localization: localization
            ).first)
        let line = try #require(panel.freeSpins)
        #expect(line.contains("3") && line.contains("10") && line.contains("Croupier Sevens"))
        #expect(!line.contains("{"), "every placeholder filled: \(line)")
        #expect(panel.freeSpinsLeft == 3 && panel.freeSpinsGameURL == "/play/originals/slot")
        #expect(!panel.met, "nothing to wager yet, but the spins may still win")
    }

    @Test func spinsThatAreOverLeaveAnOrdinaryBonus() throws {
        let panel = try #require(
            BonusPanel.panels(
                [grant(units: 0)], spins: [spins(left: 0)], catalog: ["EUR": euro], language: "en", localization: localization
            )
            .first)
        #expect(panel.freeSpins == nil && panel.freeSpinsLeft == nil && panel.freeSpinsGameURL == nil)
        #expect(panel.met, "nothing won: the settlement ends it")
    }
}
