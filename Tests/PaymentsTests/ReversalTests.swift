import Core
import Foundation
import Ledger
import TestSupport
import Testing

@testable import Payments

/// Refunds and disputes of a completed deposit (docs/payments.md, "Refunds and chargebacks"), on
/// a real PostgreSQL with the scripted gateway. The harness runs the ledger's audit afterwards.
@Suite struct ReversalTests {
    @Test func refundsAndDisputesAddUpTakeRealMoneyToZeroAndLeaveTheRestAsADebt() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("50", for: player)
            let reference = try #require(try await h.strings("SELECT gateway_reference FROM payments_deposits").first)
            _ = try await h.ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "test", key: "spent"), player: player, currency: "EUR",
                    movement: .adjustment(units: -4_500_000)))

            h.gateway.says(.reversed(reference: reference, kind: .refund, gatewayUnits: 1_000))
            try await h.deliver("evt_refund")
            try await h.deliver("evt_refund_again")  // the same refund under another event id
            #expect(try await h.inbox.processDue() == 2)
            #expect(try await h.ledger.balances(of: player)["EUR"]?.real == 0, "real money goes to zero, never below")
            #expect(try await h.ledger.debts(of: player)["EUR"] == 500_000)

            h.gateway.says(.reversed(reference: reference, kind: .dispute, gatewayUnits: 5_000))
            try await h.deliver("evt_dispute")
            #expect(try await h.inbox.processDue() == 1)
            h.gateway.says(.reversed(reference: reference, kind: .refund, gatewayUnits: 500))  // an older refund total, late
            try await h.deliver("evt_refund_late")
            #expect(try await h.inbox.processDue() == 1)
            #expect(try await h.ledger.debts(of: player)["EUR"] == 4_500_000, "refund and dispute together: the deposit's 50 at most")
            #expect(try await h.strings("SELECT reversed_units::text FROM payments_deposits") == ["5000000"])
            #expect(try await h.events("croupier.payments.chargeback") == 2)
            #expect(try await h.outcomes().suffix(3).allSatisfy { $0.contains("already reversed") || $0.contains("took back") })

            // The next deposit pays the debt first.
            try await h.deposit("60", for: player, played: false)  // it pays the debt first: 15 is left to play
            #expect(try await h.ledger.balances(of: player)["EUR"]?.real == 1_500_000)
            #expect(try await h.ledger.debts(of: player)["EUR"] == nil)
        }
    }

    @Test func aDisputeSendsOpenWithdrawalsBackToReviewAndADebtIsNotWithdrawable() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("150", for: player)
            let reference = try #require(try await h.strings("SELECT gateway_reference FROM payments_deposits").first)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "150", currency: "EUR", destination: "DE-4400-1234")
            let held = try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode()).withdrawal
            #expect(held.state == .pendingApproval)
            _ = try await h.withdrawals.approve(asked.id, by: 7)

            // The whole deposit is disputed while its money is held for the withdrawal.
            h.gateway.says(.reversed(reference: reference, kind: .dispute, gatewayUnits: 15_000))
            try await h.deliver("evt_dispute")
            #expect(try await h.inbox.processDue() == 1)
            let reviewed = try #require(try await h.withdrawals.withdrawal(asked.id, of: player))
            #expect(reviewed.state == .review && reviewed.approvers.isEmpty, "approved before the dispute, checked again after it")
            #expect(try await h.payouts.sendApproved() == 0)
            #expect(try await h.ledger.debts(of: player)["EUR"] == 15_000_000)

            // Cancelled, the held money returns to real, but it is owed: none of it is withdrawable.
            _ = try await h.withdrawals.cancel(asked.id, of: player)
            #expect(try await h.ledger.balances(of: player)["EUR"]?.real == 15_000_000)
            await #expect(throws: WithdrawalRefusal.aboveWithdrawable(available: "0.00 EUR")) {
                try await h.withdrawals.request(
                    player: player, gateway: "scripted", amount: "10", currency: "EUR", destination: "DE-4400-1234")
            }
        }
    }

    @Test func aReversalOfADepositThatNeverCompletedWaitsForStaff() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            let deposit = try await h.deposits.create(
                player: player, gateway: "scripted", amount: "20", currency: "EUR", returnURL: "http://x")
            h.gateway.says(.reversed(reference: "ref-\(deposit.id)", kind: .dispute, gatewayUnits: 2_000))
            try await h.deliver("evt_dispute")
            _ = try await h.inbox.processDue()
            #expect(try await h.eventStates() == ["failed"])
            #expect(try await h.outcomes().first?.contains("is pending but the gateway says a dispute took money back") == true)
            #expect(try await h.events("croupier.payments.chargeback") == 0)
        }
    }
}
