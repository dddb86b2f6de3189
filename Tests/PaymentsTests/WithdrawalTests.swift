import Core
import Foundation
import Ledger
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Payments

/// Withdrawals on a real PostgreSQL with the scripted gateway: the e-mailed code, the hold, the
/// thresholds, four eyes, payouts that succeed, fail or give no answer, reconciliation and
/// cancellation. The harness runs the ledger's audit after each test.
@Suite struct WithdrawalTests {
    @Test func aConfirmedWithdrawalUnderTheThresholdIsHeldPaidAndPostedWithItsFee() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("80", for: player)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "50", currency: "EUR", destination: "DE-4400-1234")
            #expect(asked.state == .awaitingConfirmation && asked.units == 5_000_000 && asked.feeUnits == 50_000)
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 8_000_000, bonus: 0, locked: 0), "nothing held yet")

            await #expect(throws: WithdrawalRefusal.codeInvalid) { try await h.withdrawals.confirm(asked.id, of: player, code: "000000") }
            let code = try await h.mailedCode()
            let confirmed = try await h.withdrawals.confirm(asked.id, of: player, code: code).withdrawal
            #expect(confirmed.state == .approved, "50 is under the automatic threshold of 100")
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 3_000_000, bonus: 0, locked: 5_000_000))
            await #expect(throws: WithdrawalRefusal.codeInvalid, "a code works once") {
                let other = try await h.withdrawals.request(
                    player: player, gateway: "scripted", amount: "1", currency: "EUR", destination: "DE-4400-1234")
                try await h.withdrawals.confirm(other.id, of: player, code: code)
            }

            #expect(try await h.payouts.sendApproved() == 1)
            let request = try #require(h.gateway.payoutRequests.first)
            #expect(request.withdrawalID == asked.id && request.gatewayUnits == 4_950, "the destination gets the amount less the fee")
            #expect(try await h.withdrawals.withdrawal(asked.id, of: player)?.state == .paid)
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 3_000_000, bonus: 0, locked: 0))
            #expect(try await h.houseBalance("fees") == 50_000)
            #expect(try await h.events("croupier.payments.withdrawal_requested") == 1)
            #expect(try await h.events("croupier.payments.withdrawal_paid") == 1)
            #expect(try await h.payouts.sendApproved() == 0, "a paid withdrawal is not sent again")
        }
    }

    @Test func aboveTheFourEyesThresholdTwoDifferentStaffMembersApprove() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("900", for: player)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "600", currency: "EUR", destination: "DE-4400-1234")
            let confirmed = try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode()).withdrawal
            #expect(confirmed.state == .pendingApproval && confirmed.approvalsNeeded == 2)
            #expect(try await h.payouts.sendApproved() == 0, "nothing goes out before the approvals")

            guard case .awaitingSecondApprover(let first) = try await h.withdrawals.approve(asked.id, by: 7) else {
                Issue.record("one approval approved a four-eyes withdrawal")
                return
            }
            #expect(first.approvers == [7])
            await #expect(throws: WithdrawalStaffRefusal.sameApprover) { try await h.withdrawals.approve(asked.id, by: 7) }
            guard case .approved(let approved) = try await h.withdrawals.approve(asked.id, by: 8) else {
                Issue.record("the second approver did not approve it")
                return
            }
            #expect(approved.state == .approved && approved.approvers == [7, 8])
            #expect(try await h.payouts.sendApproved() == 1)
            #expect(try await h.withdrawals.withdrawal(asked.id, of: player)?.state == .paid)
        }
    }

    @Test func aBetweenThresholdsWithdrawalWaitsForOneApproverAndARejectionReturnsTheMoney() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("300", for: player)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "200", currency: "EUR", destination: "DE-4400-1234")
            let confirmed = try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode()).withdrawal
            #expect(confirmed.state == .pendingApproval && confirmed.approvalsNeeded == 1)
            await #expect(throws: WithdrawalStaffRefusal.reasonMissing) { try await h.withdrawals.reject(asked.id, by: 7, reason: "  ") }
            let rejected = try await h.withdrawals.reject(asked.id, by: 7, reason: "Upload a proof of address first.")
            #expect(rejected.state == .rejected && rejected.reason == "Upload a proof of address first.")
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 30_000_000, bonus: 0, locked: 0))
            await #expect(throws: WithdrawalStaffRefusal.notAwaitingDecision(.rejected)) {
                try await h.withdrawals.approve(asked.id, by: 8)
            }
            #expect(try await h.events("croupier.payments.withdrawal_failed") == 1)
        }
    }

    @Test func splittingASumDoesNotSlipUnderTheThresholds() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("800", for: player)
            #expect(try await confirmed(h, player, "60").state == .approved, "60 alone is under the automatic 100")
            let second = try await confirmed(h, player, "60")
            #expect(second.state == .pendingApproval && second.approvalsNeeded == 1, "with the first, 120 is above 100")
            let third = try await confirmed(h, player, "400")
            #expect(third.approvalsNeeded == 2, "with the others, 520 reaches the four-eyes 500")
        }
    }

    @Test func moneyThatNeverCameThroughAGatewayWaitsInReview() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            _ = try await h.ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "test", key: "credit"), player: player, currency: "EUR",
                    movement: .adjustment(units: 2_000_000)))
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "10", currency: "EUR", destination: "DE-4400-1234")
            let confirmed = try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode()).withdrawal
            #expect(
                confirmed.state == .review && confirmed.reasonCode == "reviewNoDeposit" && confirmed.reason?.hasPrefix("No deposit") == true
            )
            guard case .approved = try await h.withdrawals.approve(asked.id, by: 7) else {
                Issue.record("staff could not approve a reviewed withdrawal")
                return
            }
        }
    }

    @Test func aPayoutWithoutAnAnswerStaysHeldUntilReconciliationKnows() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("100", for: player)
            let paid = try await confirmedWithdrawal(h, player, "40")
            h.gateway.payoutAnswers(nil)
            #expect(try await h.payouts.sendApproved() == 1)
            #expect(try await h.withdrawals.withdrawal(paid, of: player)?.state == .unknown)
            #expect(try await h.ledger.balances(of: player)["EUR"]?.locked == 4_000_000, "an unknown outcome keeps the hold")
            await #expect(throws: WithdrawalRefusal.notCancellable) { try await h.withdrawals.cancel(paid, of: player) }

            // The gateway's status still says nothing: held, checked again later, by the reference it gave.
            h.gateway.payoutStatusSays(.processing(reference: "payout-9"))
            #expect(try await h.payouts.reconcile(paid)?.state == .unknown)
            h.gateway.payoutStatusSays(.paid(reference: "payout-9"))
            #expect(try await h.payouts.reconcile(paid)?.state == .paid)
            #expect(h.gateway.statusReferences == [nil, "payout-9"], "no reference until the gateway gave one")
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 6_000_000, bonus: 0, locked: 0))

            let failed = try await confirmedWithdrawal(h, player, "30")
            #expect(try await h.payouts.sendApproved() == 1)
            h.gateway.payoutStatusSays(.failed(reason: "The account is closed."))
            let settled = try await h.payouts.reconcile(failed)
            #expect(settled?.state == .failed && settled?.reason?.hasPrefix("The account is closed.") == true)
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 6_000_000, bonus: 0, locked: 0), "the hold is voided")
        }
    }

    @Test func aLostAnswerKeepsWhatTheGatewayMadeSoReconciliationAsksAboutIt() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("100", for: player)
            let id = try await confirmedWithdrawal(h, player, "40")
            h.gateway.payoutAnswers(nil, lostReference: "batch-7")
            #expect(try await h.payouts.sendApproved() == 1)
            #expect(try await h.withdrawals.withdrawal(id, of: player)?.state == .unknown)
            #expect(try await h.strings("SELECT gateway_reference FROM payments_withdrawals") == ["batch-7"])
            h.gateway.payoutStatusSays(.paid(reference: "batch-7"))
            #expect(try await h.payouts.reconcile(id)?.state == .paid)
            #expect(h.gateway.statusReferences == ["batch-7"])
        }
    }

    @Test func aRefusedPayoutVoidsTheHold() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("100", for: player)
            let id = try await confirmedWithdrawal(h, player, "25")
            h.gateway.payoutAnswers(.failed(reason: "The receiving account refused the payout."))
            #expect(try await h.payouts.sendApproved() == 1)
            #expect(try await h.withdrawals.withdrawal(id, of: player)?.state == .failed)
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 10_000_000, bonus: 0, locked: 0))
        }
    }

    @Test func thePlayerCancelsUntilThePayoutStarts() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("100", for: player)
            let id = try await confirmedWithdrawal(h, player, "60")
            #expect(try await h.ledger.balances(of: player)["EUR"]?.locked == 6_000_000)
            #expect(try await h.withdrawals.cancel(id, of: player).withdrawal.state == .cancelled)
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 10_000_000, bonus: 0, locked: 0))
            #expect(try await h.payouts.sendApproved() == 0)

            let started = try await confirmedWithdrawal(h, player, "20")
            h.gateway.payoutAnswers(.processing(reference: "payout-3"))
            #expect(try await h.payouts.sendApproved() == 1)
            await #expect(throws: WithdrawalRefusal.notCancellable) { try await h.withdrawals.cancel(started, of: player) }
            await #expect(throws: WithdrawalRefusal.notFound, "another player's id is unknown to this one") {
                try await h.withdrawals.cancel(started, of: PlayerID(player.rawValue + 1))
            }
        }
    }

    @Test func badRequestsAreRefusedByNameAndWriteNothing() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("100", for: player)
            let cases: [(String, String, String, String, WithdrawalRefusal)] = [
                ("nope", "10", "EUR", "DE-4400-1234", .unknownGateway("nope")),
                ("scripted", "10", "RUB", "DE-4400-1234", .unsupportedCurrency("RUB")),
                ("scripted", "10", "USD", "DE-4400-1234", .unsupportedCurrency("USD")),  // it takes USD deposits, pays none out
                ("scripted", "10.001", "EUR", "DE-4400-1234", .amount(.tooManyDecimals("10.001", exponent: 2))),
                ("scripted", "-5", "EUR", "DE-4400-1234", .amount(.notPositive)),
                ("scripted", "ten", "EUR", "DE-4400-1234", .amount(.malformed("ten"))),
                ("scripted", "0.10", "EUR", "DE-4400-1234", .amount(.belowMinimum("0.50 EUR"))),
                ("scripted", "10001", "EUR", "DE-4400-1234", .amount(.aboveMaximum("10000.00 EUR"))),
                ("scripted", "10", "EUR", "x", .destinationInvalid("too short")),
                ("scripted", "0.50", "EUR", "DE-4400-1234", .amount(.belowMinimum("0.51 EUR"))),
                ("scripted", "100.01", "EUR", "DE-4400-1234", .aboveWithdrawable(available: "100.00 EUR")),
            ]
            for (gateway, amount, currency, destination, refusal) in cases {
                await #expect(throws: refusal) {
                    try await h.withdrawals.request(
                        player: player, gateway: gateway, amount: amount, currency: currency, destination: destination)
                }
            }
            #expect(try await h.strings("SELECT count(*)::text FROM payments_withdrawals") == ["0"])
            #expect(try await h.strings("SELECT count(*)::text FROM identity_mail_outbox") == ["0"])
        }
    }

    @Test func fiveWrongCodesLockTheCodeAndANewOneIsMailedAtMostOnceAMinute() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("100", for: player)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "10", currency: "EUR", destination: "DE-4400-1234")
            let code = try await h.mailedCode()
            for _ in 1...4 {
                await #expect(throws: WithdrawalRefusal.codeInvalid) {
                    try await h.withdrawals.confirm(asked.id, of: player, code: "999999")
                }
            }
            await #expect(throws: WithdrawalRefusal.codeLocked) { try await h.withdrawals.confirm(asked.id, of: player, code: "999999") }
            await #expect(throws: WithdrawalRefusal.codeLocked, "the right code no longer helps") {
                try await h.withdrawals.confirm(asked.id, of: player, code: code)
            }
            await #expect(throws: WithdrawalRefusal.codeSendTooSoon) { try await h.withdrawals.resendCode(asked.id, of: player) }
            #expect(try await h.ledger.balances(of: player)["EUR"]?.locked == 0)
        }
    }

    private func confirmed(_ h: PaymentsHarness, _ player: PlayerID, _ amount: String) async throws -> Withdrawal {
        let asked = try await h.withdrawals.request(
            player: player, gateway: "scripted", amount: amount, currency: "EUR", destination: "DE-4400-1234")
        return try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode()).withdrawal
    }

    /// An approved withdrawal's id.
    private func confirmedWithdrawal(_ h: PaymentsHarness, _ player: PlayerID, _ amount: String) async throws -> String {
        let withdrawal = try await confirmed(h, player, amount)
        #expect(withdrawal.state == .approved)
        return withdrawal.id
    }
}
