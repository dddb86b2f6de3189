import Core
import Foundation
import Ledger
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Payments

/// Deposits and the inbox on a real PostgreSQL, with a scripted gateway: what the gateway says
/// about a payment is set by each test, as a real one's webhooks and status answers would say it.
@Suite struct DepositTests {
    @Test func aPaidDepositIsCreditedOnceHoweverManyEventsSayItWasPaid() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            let deposit = try await h.deposits.create(
                player: player, gateway: "scripted", amount: "25.50", currency: "EUR", returnURL: "http://x/wallet")
            #expect(deposit.state == .pending && deposit.units == 2_550_000 && deposit.redirectURL == "https://pay.test/\(deposit.id)")
            h.gateway.says(.paid(reference: "ref-\(deposit.id)", currency: "EUR", gatewayUnits: 2_550))
            try await h.deliver("evt_1")
            try await h.deliver("evt_1")  // the same delivery again: a duplicate, not stored twice
            try await h.deliver("evt_2")  // the same news under another event id
            #expect(try await h.inbox.processDue() == 2)
            let completed = try #require(try await h.deposits.deposit(deposit.id, of: player))
            #expect(completed.state == .completed && completed.firstDeposit && completed.completedAt != nil)
            #expect(try await h.ledger.balances(of: player)["EUR"]?.real == 2_550_000)
            #expect(
                try await h.outcomes() == [
                    "\(deposit.id) completed: credited 2550000 units of EUR (first deposit)", "\(deposit.id) already completed",
                ])
            #expect(try await h.events("croupier.payments.deposit_completed") == 1)
        }
    }

    @Test func aLateExpiryOrFailureNeverMovesACompletedDepositBack() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            let deposit = try await h.deposits.create(
                player: player, gateway: "scripted", amount: "10", currency: "EUR", returnURL: "http://x")
            h.gateway.says(.paid(reference: "ref-\(deposit.id)", currency: "EUR", gatewayUnits: 1_000))
            try await h.deliver("evt_paid")
            _ = try await h.inbox.processDue()
            h.gateway.says(.expired(reference: "ref-\(deposit.id)"))
            try await h.deliver("evt_expired")
            h.gateway.says(.failed(reference: "ref-\(deposit.id)", reason: "declined"))
            try await h.deliver("evt_failed")
            _ = try await h.inbox.processDue()
            #expect(try await h.deposits.deposit(deposit.id, of: player)?.state == .completed)
            #expect(try await h.ledger.balances(of: player)["EUR"]?.real == 1_000_000)
            #expect(try await h.outcomes().suffix(2) == ["\(deposit.id) already completed", "\(deposit.id) already completed"])
            // The table itself refuses a backward move, whoever asks.
            await #expect(throws: PSQLError.self) {
                try await h.database.withConnection { connection in
                    try await connection.query(
                        "UPDATE payments_deposits SET state = 'pending' WHERE public_id = \(deposit.id)", logger: h.logger)
                }
            }
        }
    }

    @Test func onlyTheFirstCompletedDepositIsFlaggedFirst() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            let first = try await h.deposits.create(
                player: player, gateway: "scripted", amount: "10", currency: "EUR", returnURL: "http://x")
            let second = try await h.deposits.create(
                player: player, gateway: "scripted", amount: "20", currency: "EUR", returnURL: "http://x")
            h.gateway.says(.paid(reference: "ref-\(second.id)", currency: "EUR", gatewayUnits: 2_000))
            try await h.deliver("evt_a")
            _ = try await h.inbox.processDue()
            h.gateway.says(.paid(reference: "ref-\(first.id)", currency: "EUR", gatewayUnits: 1_000))
            try await h.deliver("evt_b")
            _ = try await h.inbox.processDue()
            #expect(try await h.deposits.deposit(second.id, of: player)?.firstDeposit == true)
            #expect(try await h.deposits.deposit(first.id, of: player)?.firstDeposit == false)
            #expect(try await h.ledger.balances(of: player)["EUR"]?.real == 3_000_000)
        }
    }

    @Test func aPaymentOfAnotherAmountCreditsNothingAndWaitsForStaff() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            let deposit = try await h.deposits.create(
                player: player, gateway: "scripted", amount: "10", currency: "EUR", returnURL: "http://x")
            h.gateway.says(.paid(reference: "ref-\(deposit.id)", currency: "EUR", gatewayUnits: 999))
            try await h.deliver("evt_short")
            _ = try await h.inbox.processDue()
            #expect(try await h.deposits.deposit(deposit.id, of: player)?.state == .pending)
            #expect(try await h.ledger.balances(of: player)["EUR"] == nil)
            #expect(try await h.eventStates() == ["failed"])
            #expect(try await h.outcomes() == ["\(deposit.id) asked 1000 EUR but the gateway says 999 EUR was paid"])
        }
    }

    @Test func aGatewayThatDoesNotAnswerIsRetriedWithBackOffAndNothingMoves() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            let deposit = try await h.deposits.create(
                player: player, gateway: "scripted", amount: "10", currency: "EUR", returnURL: "http://x")
            h.gateway.failsToAnswer()
            try await h.deliver("evt_later")
            let now = Date()
            #expect(try await h.inbox.processDue(now: now) == 1)
            #expect(try await h.inbox.processDue(now: now) == 0)  // backed off: not due again yet
            #expect(try await h.eventStates() == ["received"])
            h.gateway.says(.paid(reference: "ref-\(deposit.id)", currency: "EUR", gatewayUnits: 1_000))
            #expect(try await h.inbox.processDue(now: now.addingTimeInterval(3)) == 1)
            #expect(try await h.deposits.deposit(deposit.id, of: player)?.state == .completed)
        }
    }

    @Test func badAmountsAreRefusedWithTheirNamesAndWriteNothing() async throws {
        try await PaymentsHarness.with { (h: PaymentsHarness) async throws in
            let player = try await h.signedUpPlayer()
            let cases: [(String, String, String, DepositRefusal)] = [
                ("nowhere", "10", "EUR", .unknownGateway("nowhere")),
                ("scripted", "10", "BTC", .unsupportedCurrency("BTC")),
                ("scripted", "10", "USDT", .unsupportedCurrency("USDT")),  // it pays out USDT, takes no deposits in it
                ("scripted", "10.001", "EUR", .amount(.tooManyDecimals("10.001", exponent: 2))),
                ("scripted", "-5", "EUR", .amount(.notPositive)),
                ("scripted", "0", "EUR", .amount(.notPositive)),
                ("scripted", "1e3", "EUR", .amount(.malformed("1e3"))),
                ("scripted", "0.49", "EUR", .amount(.belowMinimum("0.50 EUR"))),
                ("scripted", "10000.01", "EUR", .amount(.aboveMaximum("10000.00 EUR"))),
            ]
            for (gateway, amount, currency, refusal) in cases {
                await #expect(throws: refusal) {
                    try await h.deposits.create(player: player, gateway: gateway, amount: amount, currency: currency, returnURL: "http://x")
                }
            }
            #expect(try await h.depositCount() == 0)
        }
    }

    @Test func aGatewayThatFailsToCreateLeavesTheDepositFailedWithAReason() async throws {
        try await PaymentsHarness.with { (h: PaymentsHarness) async throws in
            let player = try await h.signedUpPlayer()
            h.gateway.failsToAnswer()
            await #expect(throws: DepositRefusal.gatewayUnavailable("scripted")) {
                try await h.deposits.create(player: player, gateway: "scripted", amount: "10", currency: "EUR", returnURL: "http://x")
            }
            #expect(try await h.depositStates() == ["failed"])
        }
    }
}

@Suite struct InboxStaffTests {
    @Test func aHeldEventProcessedAgainAfterItsCauseIsFixedCreditsOnce() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            let deposit = try await h.deposits.create(
                player: player, gateway: "scripted", amount: "10", currency: "EUR", returnURL: "http://x")
            h.gateway.says(.paid(reference: "ref-\(deposit.id)", currency: "EUR", gatewayUnits: 999))
            try await h.deliver("evt_held")
            _ = try await h.inbox.processDue()
            let held = try #require(try await h.inbox.latest().first)
            #expect(held.state == .failed && held.outcome?.contains("999") == true)
            #expect(try await h.inbox.reprocess(held.id))
            #expect(try await !h.inbox.reprocess(held.id), "only a failed event goes back")
            h.gateway.says(.paid(reference: "ref-\(deposit.id)", currency: "EUR", gatewayUnits: 1_000))
            #expect(try await h.inbox.processDue() == 1)
            #expect(try await h.inbox.latest().first?.state == .processed)
            #expect(try await h.ledger.balances(of: player)["EUR"]?.real == 1_000_000)
            #expect(try await h.deposits.latest().map(\.state) == [.completed])
        }
    }
}
