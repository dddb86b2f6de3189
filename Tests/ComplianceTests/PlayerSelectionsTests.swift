import Compliance
import Core
import Foundation
import Ledger
import Payments
import TestSupport
import Testing

/// What Compliance and the Ledger answer the back office's players search: the players matching
/// a KYC level, a country, an exclusion in force or a balance range, as `PlayerSelection`s.
@Suite struct PlayerSelectionsTests {
    @Test func eachOwnerAnswersWhoMatchesItsFilter() async throws {
        try await ComplianceHarness.with { h in
            let raised = try await h.player()
            let starter = try await h.player()
            try await h.kyc.levels.assign(level: 2, to: raised, staff: 1, reason: "documents seen")
            #expect(try await h.kyc.levels.players(atLevel: 2) == .only([raised]))
            #expect(try await h.kyc.levels.players(atLevel: 0) == .except([raised]), "L0 is everyone not raised")
            #expect(try await h.kyc.levels.players(atLevel: 1) == .only([]))

            try await h.fillL1Profile(starter)
            #expect(try await h.kyc.profiles.players(in: "gb") == .only([starter]))
            #expect(try await h.kyc.profiles.players(in: "DE") == .only([]))

            let protection = ProtectionTests.protection(h)
            _ = try await protection.exclude(player: starter, term: .timeOut(days: 2), actor: "player")
            #expect(try await protection.excludedPlayers() == .only([starter]))
            h.clock.advance(3 * 86_400)
            #expect(try await protection.excludedPlayers() == .only([]), "a time-out that ended excludes nobody")

            _ = try await h.ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "test", key: "selection-\(raised.rawValue)"), player: raised, currency: "EUR",
                    movement: .deposit(units: 5_000_000, gateway: .payments("sandbox"))))
            #expect(try await h.ledger.players(holding: "EUR", realFrom: 1_000_000, realUntil: nil) == .only([raised]))
            #expect(try await h.ledger.players(holding: "EUR", realFrom: nil, realUntil: 4_999_999) == .only([]))
            #expect(try await h.ledger.players(holding: "USD", realFrom: nil, realUntil: nil) == .only([]))
        }
    }

    @Test func selectionsIntersect() {
        let a = PlayerID(1)
        let b = PlayerID(2)
        let c = PlayerID(3)
        #expect(PlayerSelection.only([a, b]).intersected(with: .only([b, c])) == .only([b]))
        #expect(PlayerSelection.only([a, b]).intersected(with: .except([b])) == .only([a]))
        #expect(PlayerSelection.except([a]).intersected(with: .only([a, c])) == .only([c]))
        #expect(PlayerSelection.except([a]).intersected(with: .except([b])) == .except([a, b]))
    }
}
