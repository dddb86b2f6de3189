import Compliance
import Core
import Foundation
import Identity
import Ledger
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Payments

/// Compliance's AML rules in Payments' money path: on a deposit's completion, in the hold's
/// transaction of a withdrawal, and before a payout is sent; a cleared case releases what it held.
@Suite struct AMLWithdrawalTests {
    static let risk = ComplianceActor(staffID: 77, ip: "127.0.0.1", requestID: "test")

    @Test func aDepositThenAWithdrawalWithNoPlayWaitsUntilRiskStaffClearTheCaseAndThenPays() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("80", for: player, played: false)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "50", currency: "EUR", destination: "DE-4400-1234")
            let confirmed = try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode()).withdrawal
            #expect(confirmed.state == .review && confirmed.reasonCode == "amlReview")
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 3_000_000, bonus: 0, locked: 5_000_000))
            let alerts = try await AMLAlerts(database: h.database, logger: h.logger).list(.init(player: player))
            #expect(alerts.map(\.rule) == [.lowWagering])
            #expect(alerts.first?.withdrawal == asked.id && alerts.first?.blocking == true)
            #expect(try await h.payouts.sendApproved() == 0)

            // Staff with withdrawals.approve approve it; the open blocking case still holds the payout.
            guard case .approved = try await h.withdrawals.approve(asked.id, by: 5) else {
                Issue.record("one approval did not approve")
                return
            }
            #expect(try await h.payouts.sendApproved() == 0, "a player with an open blocking case is not paid")
            let back = try #require(try await h.withdrawals.withdrawal(asked.id, of: player))
            #expect(back.state == .review && back.reasonCode == "amlCaseOpen")
            #expect(h.gateway.payoutRequests.isEmpty)

            let open = try #require(try await h.cases.list(state: .open, player: player).first)
            let closed = try await h.cases.close(
                open.id, outcome: .cleared, note: "Player explained: changed their mind.", withdrawals: h.withdrawals, by: Self.risk)
            #expect(closed.outcome == .cleared)
            #expect(try await h.withdrawals.withdrawal(asked.id, of: player)?.state == .approved, "50 is under the automatic threshold")
            #expect(try await h.payouts.sendApproved() == 1)
            #expect(try await h.withdrawals.withdrawal(asked.id, of: player)?.state == .paid)
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 3_000_000, bonus: 0, locked: 0))
            let chain = try await AuditLog(database: h.database, logger: h.logger).verify()
            #expect(chain.firstBroken == nil && chain.rows >= 1)
            #expect(
                try await h.strings("SELECT action FROM identity_audit_log WHERE actor = 'staff:77'") == ["compliance.case_closed"])
        }
    }

    @Test func aClearedCaseSendsABigWithdrawalToTheApprovalsItWouldHaveNeeded() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("900", for: player, played: false)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "600", currency: "EUR", destination: "DE-4400-1234")
            #expect(try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode()).withdrawal.state == .review)
            let open = try #require(try await h.cases.list(state: .open, player: player).first)
            _ = try await h.cases.close(open.id, outcome: .cleared, note: "Fine.", withdrawals: h.withdrawals, by: Self.risk)
            let released = try #require(try await h.withdrawals.withdrawal(asked.id, of: player))
            #expect(released.state == .pendingApproval && released.approvalsNeeded == 2)
        }
    }

    @Test func depositsOfEUR1500AndUSD700ThroughPaymentsRaiseOneAlertOnce() async throws {
        try await PaymentsHarness.with { h in
            try await h.database.withConnection { try await TestPivotConversion.setRate("USD", "0.93", on: $0) }
            let player = try await h.signedUpPlayer()
            try await h.deposit("1500", for: player)
            try await h.deposit("700", for: player, currency: "USD")
            let alerts = AMLAlerts(database: h.database, logger: h.logger)
            #expect(try await alerts.list(.init(player: player)).map(\.rule) == [.deposits24h])
            let engine = AMLEngine(
                history: PaymentsMovementHistory(logger: h.logger), conversion: TestPivotConversion(), ledger: h.ledger, logger: h.logger)
            let scan = AMLScan(database: h.database, engine: engine, history: PaymentsMovementHistory(logger: h.logger), logger: h.logger)
            #expect(try await scan.runOnce().isEmpty)
            #expect(try await scan.runOnce().isEmpty)
            #expect(try await alerts.list(.init(player: player)).count == 1)
        }
    }

    @Test func confirmedRejectsTheHeldWithdrawalAndFreezesTheBalance() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("80", for: player, played: false)
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "50", currency: "EUR", destination: "DE-4400-1234")
            _ = try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode())
            let open = try #require(try await h.cases.list(state: .open, player: player).first)
            _ = try await h.cases.close(open.id, outcome: .confirmed, note: "Confirmed.", withdrawals: h.withdrawals, by: Self.risk)
            #expect(try await h.withdrawals.withdrawal(asked.id, of: player)?.state == .rejected)
            #expect(try await h.ledger.balances(of: player)["EUR"] == Balances(real: 0, bonus: 0, locked: 8_000_000))
        }
    }

    /// A confirmed case restricts the account: every withdrawal not yet sent is rejected (an
    /// approved one too, not only those AML held), the player is closed, and a later withdrawal
    /// stays held.
    @Test func confirmedRejectsEveryUnsentWithdrawalClosesThePlayerAndHoldsLaterOnes() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("200", for: player)
            let small = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "30", currency: "EUR", destination: "DE-4400-1234")
            #expect(try await h.withdrawals.confirm(small.id, of: player, code: try await h.mailedCode()).withdrawal.state == .approved)
            try await h.deposit("100", for: player, played: false)
            let held = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "40", currency: "EUR", destination: "DE-4400-1234")
            #expect(try await h.withdrawals.confirm(held.id, of: player, code: try await h.mailedCode()).withdrawal.state == .review)
            let open = try #require(try await h.cases.list(state: .open, player: player).first)
            let closed = try await h.cases.close(
                open.id, outcome: .confirmed, note: "Mule account.", withdrawals: h.withdrawals, by: Self.risk)
            #expect(closed.outcome == .confirmed)
            #expect(try await h.withdrawals.withdrawal(small.id, of: player)?.state == .rejected)
            #expect(try await h.withdrawals.withdrawal(held.id, of: player)?.state == .rejected)
            #expect(try await PlayerStatuses(database: h.database, logger: h.logger).status(of: player)?.disabled == true)
            #expect(try await h.ledger.balances(of: player)["EUR"]?.real == 0, "every real balance is frozen")
            #expect(try await h.payouts.sendApproved() == 0)
            #expect(h.gateway.payoutRequests.isEmpty)
        }
    }
}
