import Core
import Foundation
import Ledger
import Synchronization
import TestSupport
import Testing

@testable import Payments

/// A gate that refuses once switched on, as a bonus granted between a request and its code does.
final class SwitchedGate: WithdrawalGate {
    let closed = Mutex(false)

    func refusal(player: PlayerID, currency: String) async throws -> WithdrawalRefusal? {
        closed.withLock { $0 } ? .bonusActive(currency) : nil
    }
}

@Suite struct WithdrawalGateTests {
    @Test func aGateClosedBetweenTheRequestAndItsCodeFailsTheWithdrawalWithNothingHeld() async throws {
        let gate = SwitchedGate()
        try await PaymentsHarness.with(gates: [gate]) { h in
            let player = try await h.signedUpPlayer(level: 0)
            try await h.deposit("100", for: player)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "40", currency: "EUR", destination: "DE-4400-1234")
            gate.closed.withLock { $0 = true }
            let refusal = await #expect(throws: WithdrawalRefusal.self) {
                try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode())
            }
            #expect(refusal == .bonusActive("EUR"))
            let ended = try #require(try await h.withdrawals.withdrawal(asked.id, of: player))
            #expect(ended.state == .failed && ended.reasonCode == "bonusActive")
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 10_000_000, bonus: 0, locked: 0))
        }
    }
}
