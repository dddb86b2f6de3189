import Core
import Foundation
import Identity
import Ledger
import TestSupport
import Testing

@testable import Payments

/// A staff block (Identity's `PlayerBlocks`) closes deposits and withdrawals by name, while a
/// closure (under 18) still lets the player withdraw their money.
@Suite struct BlockedPlayerPaymentsTests {
    @Test func aBlockedPlayerIsRefusedDepositsAndWithdrawalsAndAnUnblockReopensThem() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer(level: 0)
            try await h.deposit("100", for: player)
            let blocks = PlayerBlocks(database: h.database, logger: h.logger)
            try await blocks.block(player, reason: "chargeback fraud", by: StaffActing(actor: "staff:1"))

            await #expect(throws: DepositRefusal.playerDisabled) {
                try await h.deposits.create(player: player, gateway: "scripted", amount: "10", currency: "EUR", returnURL: "http://x")
            }
            await #expect(throws: WithdrawalRefusal.playerBlocked) {
                try await h.withdrawals.request(
                    player: player, gateway: "scripted", amount: "40", currency: "EUR", destination: "DE-4400-1234")
            }

            try await blocks.unblock(player, reason: "cleared", by: StaffActing(actor: "staff:1"))
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "40", currency: "EUR", destination: "DE-4400-1234")
            #expect(asked.state == .awaitingConfirmation)
        }
    }

    @Test func aBlockBetweenTheRequestAndItsCodeFailsTheWithdrawalWithNothingHeld() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer(level: 0)
            try await h.deposit("100", for: player)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "40", currency: "EUR", destination: "DE-4400-1234")
            try await PlayerBlocks(database: h.database, logger: h.logger).block(
                player, reason: "account takeover", by: StaffActing(actor: "staff:1"))
            await #expect(throws: WithdrawalRefusal.playerBlocked) {
                try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode())
            }
            let ended = try #require(try await h.withdrawals.withdrawal(asked.id, of: player))
            #expect(ended.state == .failed && ended.reasonCode == "playerBlocked")
            #expect(try await h.ledger.balances(of: player)["EUR"]?.locked == 0)
        }
    }

    /// A withdrawal confirmed before the block waits for approval: no approval lets it out.
    @Test func aBlockAfterTheConfirmationStopsTheApproval() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("900", for: player)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "600", currency: "EUR", destination: "DE-4400-1234")
            let confirmed = try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode()).withdrawal
            #expect(confirmed.state == .pendingApproval)
            try await PlayerBlocks(database: h.database, logger: h.logger).block(
                player, reason: "account takeover", by: StaffActing(actor: "staff:1"))
            await #expect(throws: WithdrawalStaffRefusal.playerBlocked) { try await h.withdrawals.approve(asked.id, by: 7) }
            #expect(try await h.withdrawals.withdrawal(asked.id, of: player)?.approvers == [])
            #expect(try await h.payouts.sendApproved() == 0, "nothing goes out")
        }
    }

    /// An approved withdrawal (here one below the approval threshold, approved at its
    /// confirmation) whose player is blocked before the payout is sent goes back to review.
    @Test func aBlockBeforeThePayoutSendsNothing() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer(level: 0)
            try await h.deposit("100", for: player)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "40", currency: "EUR", destination: "DE-4400-1234")
            let confirmed = try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode()).withdrawal
            #expect(confirmed.state == .approved)
            try await PlayerBlocks(database: h.database, logger: h.logger).block(
                player, reason: "account takeover", by: StaffActing(actor: "staff:1"))
            #expect(try await h.payouts.sendApproved() == 0, "nothing goes out")
            let held = try #require(try await h.withdrawals.withdrawal(asked.id, of: player))
            #expect(held.state == .review && held.reasonCode == "playerBlocked")
            await #expect(throws: WithdrawalStaffRefusal.playerBlocked) { try await h.withdrawals.approve(asked.id, by: 7) }
        }
    }

    @Test func aClosedPlayerMayStillWithdraw() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer(level: 0)
            try await h.deposit("100", for: player)
            try await h.database.withTransaction(logger: h.logger) { connection in
                try await PlayerStatuses(database: h.database, logger: h.logger).close(
                    player, reason: "under 18", actor: "test", on: connection)
            }
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "40", currency: "EUR", destination: "DE-4400-1234")
            #expect(asked.state == .awaitingConfirmation)
        }
    }
}
