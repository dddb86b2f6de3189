import Core
import TestSupport
import Testing

@testable import Ledger

/// A bet named by a win that stands is settled: its rollback is refused (`alreadySettled`), so
/// the stake is never returned on top of a paid win. Rolling the win back first reopens it.
@Suite struct SettledBetTests {
    let games = HouseAccount.games("acme")

    @Test func aBetWithAStandingWinCannotBeRolledBackUntilTheWinIs() async throws {
        try await LedgerHarness.with { ledger in
            try await ledger.apply(.deposit(units: 1_000, gateway: .payments("sandbox")))
            let bet = ledger.nextKey()
            try await ledger.apply(.bet(units: 100, house: games), key: bet)
            let win = ledger.nextKey()
            try await ledger.apply(.win(units: 300, house: games, bet: bet), key: win)
            let counts = try await ledger.rowCounts()
            let refusal = ledger.nextKey()
            for _ in 1...2 {
                let outcome = try await ledger.apply(.rollback(of: bet), key: refusal)
                #expect(outcome.code == .alreadySettled)
                #expect(outcome.balances == Balances(real: 1_200, bonus: 0, locked: 0))
            }
            #expect(try await ledger.rowCounts() == counts, "the refusal wrote nothing")
            #expect(try await ledger.apply(.rollback(of: win)).code == .ok)
            #expect(try await ledger.apply(.rollback(of: bet), key: refusal).code == .ok, "judged afresh once the win is undone")
            #expect(try await ledger.balances() == Balances(real: 1_000, bonus: 0, locked: 0))
        }
    }
}
