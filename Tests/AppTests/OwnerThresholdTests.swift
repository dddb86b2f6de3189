import Core
import Testing

@testable import App

/// Who must approve what staff asked to give: an owner from the threshold, debits and credits
/// alike, and always in a currency the operator set no threshold for.
@Suite struct OwnerThresholdTests {
    let owners = OwnerThreshold(amounts: ["EUR": "1000", "USDT": "bad"])
    let eur = Currency(code: "EUR", scale: 5, kind: .fiat)

    @Test func fromTheThresholdInEitherDirectionAnOwnerApproves() {
        #expect(!owners.requiresOwner(units: 99_999_999, currency: eur))
        #expect(owners.requiresOwner(units: 100_000_000, currency: eur))
        #expect(!owners.requiresOwner(units: -99_999_999, currency: eur))
        #expect(owners.requiresOwner(units: -100_000_000, currency: eur))
        #expect(owners.requiresOwner(units: .min, currency: eur))
    }

    @Test func aCurrencyWithoutAReadableThresholdAlwaysNeedsAnOwner() {
        #expect(owners.requiresOwner(units: 1, currency: Currency(code: "USD", scale: 5, kind: .fiat)))
        #expect(owners.requiresOwner(units: 1, currency: Currency(code: "USDT", scale: 8, kind: .crypto)))
    }
}
