import Core
import TestSupport
import Testing

@testable import Ledger

/// A win naming a bet staked partly from bonus pays back in the stake's proportion: the bonus
/// part is floor(W × B / T), real gets the rest, and its rollback takes each part back.
@Suite struct WinBonusShareTests {
    let games = HouseAccount.games("acme")
    let sandbox = HouseAccount.payments("sandbox")

    @Test func aWinOnAMixedBetSplitsInTheStakesProportionRoundingTheBonusPartDown() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 100, gateway: sandbox))
            try await h.apply(.bonusGrant(units: 200))
            let bet = h.nextKey()
            // 300 staked: 100 real, 200 bonus, so bonus earns 2/3 of a win.
            #expect(try await h.apply(.bet(units: 300, house: games), key: bet).balances == Balances(real: 0, bonus: 0, locked: 0))
            // 1_000 × 200 / 300 = 666.67: bonus 666, real 334.
            let win = h.nextKey()
            let outcome = try await h.apply(.win(units: 1_000, house: games, bet: bet), key: win)
            #expect(outcome.code == .ok)
            #expect(outcome.balances == Balances(real: 334, bonus: 666, locked: 0))
            #expect(try await h.houseBalance("games:acme") == 300 - 1_000)
            let rollback = try await h.apply(.rollback(of: win))
            #expect(rollback.balances == Balances(real: 0, bonus: 0, locked: 0), "the rollback takes back each part from where it went")
        }
    }

    @Test func aWinOnARealOnlyBetOrNamingNoBetCreditsReal() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: sandbox))
            try await h.apply(.bonusGrant(units: 500))
            let bet = h.nextKey()
            try await h.apply(.bet(units: 400, house: games), key: bet)
            #expect(try await h.apply(.win(units: 900, house: games, bet: bet)).balances == Balances(real: 1_500, bonus: 500, locked: 0))
            #expect(try await h.apply(.win(units: 7, house: games, bet: nil)).balances == Balances(real: 1_507, bonus: 500, locked: 0))
        }
    }

    @Test func aWinOnABonusOnlyBetCreditsBonusOnly() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.bonusGrant(units: 500))
            let bet = h.nextKey()
            try await h.apply(.bet(units: 250, house: games), key: bet)
            #expect(try await h.apply(.win(units: 600, house: games, bet: bet)).balances == Balances(real: 0, bonus: 850, locked: 0))
        }
    }

    @Test func aSpentBonusWinCannotBeRolledBack() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.bonusGrant(units: 100))
            let bet = h.nextKey()
            try await h.apply(.bet(units: 100, house: games), key: bet)
            let win = h.nextKey()
            try await h.apply(.win(units: 300, house: games, bet: bet), key: win)
            try await h.apply(.bet(units: 250, house: games))
            let counts = try await h.rowCounts()
            #expect(try await h.apply(.rollback(of: win)).code == .insufficientFunds)
            #expect(try await h.rowCounts() == counts, "the refusal wrote nothing")
        }
    }

    /// W × B needs more than 64 bits here; the split is still exact.
    @Test func largeAmountsSplitWithoutOverflow() async throws {
        try await LedgerHarness.with { h in
            let large: Int64 = 4_000_000_000_000_000_000
            try await h.apply(.deposit(units: 1, gateway: sandbox))
            try await h.apply(.bonusGrant(units: 2))
            let bet = h.nextKey()
            try await h.apply(.bet(units: 3, house: games), key: bet)
            let outcome = try await h.apply(.win(units: large, house: games, bet: bet))
            #expect(outcome.balances == Balances(real: large - 2_666_666_666_666_666_666, bonus: 2_666_666_666_666_666_666, locked: 0))
        }
    }
}
