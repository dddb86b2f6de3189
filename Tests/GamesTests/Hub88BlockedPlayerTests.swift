import Core
import Foundation
import Identity
import TestSupport
import Testing

@testable import Games

/// A staff block (Identity's `PlayerBlocks`) refuses the player's next bet with
/// `RS_ERROR_USER_DISABLED`, while the win and the rollback of bets placed before it settle.
@Suite struct Hub88BlockedPlayerTests {
    @Test func aBlockedPlayersBetIsRefusedWhileWinsAndRollbacksOfEarlierBetsSettle() async throws {
        try await Hub88Harness.with { harness in
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            let won = harness.bet(player, token: token, amount: 100_000)
            #expect(try await harness.call(.bet, "acme", won).status == .ok)
            let undone = harness.bet(player, token: token, amount: 200_000)
            #expect(try await harness.call(.bet, "acme", undone).status == .ok)

            try await PlayerBlocks(database: harness.database, logger: TestServices.logger).block(
                player, reason: "suspected multi-accounting", by: StaffActing(actor: "staff:1"))
            let before = try await harness.balance(player)

            let refused = try await harness.call(.bet, "acme", harness.bet(player, token: token, amount: 100_000))
            #expect(refused.status == .userDisabled)
            #expect(try await harness.balance(player) == before, "a refused bet takes nothing")

            #expect(try await harness.call(.win, "acme", harness.win(of: won, amount: 500_000)).status == .ok)
            #expect(try await harness.call(.rollback, "acme", harness.rollback(of: undone)).status == .ok)
            #expect(try await harness.balance(player) == before + 500_000 + 200_000)

            // The player's page lists their rounds, newest first; the refused bet opened none.
            let rounds = try await GameRounds(database: harness.database, logger: TestServices.logger).rounds(of: player)
            #expect(Set(rounds.map(\.round)) == [won["round"] as? String, undone["round"] as? String])
            #expect(rounds.first { $0.round == won["round"] as? String }?.winUnits == 500_000)
        }
    }
}
