import Compliance
import Core
import Foundation
import Identity
import Ledger
import TestSupport
import Testing

/// Cases: alerts gather in the player's one open case; staff assign, comment, detach and attach
/// alerts, freeze and unfreeze, and close with an outcome; every action is in the audit chain.
@Suite struct AMLCaseTests {
    @Test func alertsGatherInOneOpenCaseThatStaffWorkAndClose() async throws {
        try await AMLHarness.with { h in
            _ = try await h.complete(try h.deposit("2500", hoursAgo: 3))
            try h.deposit("1", hoursAgo: 2)
            #expect(try await h.withdraw("100") == .blockingHit(missingRate: false), "no play: low wagering")
            let open = try #require(try await h.cases.list(state: .open).first)
            #expect(open.alertCount == 2 && open.blocking && open.player == AMLHarness.player)
            #expect(try await h.cases.list().count == 1, "one open case per player")

            try await h.cases.assign(open.id, to: 42, by: AMLHarness.staff)
            try await h.cases.comment(open.id, "Asked the player for the source of funds.", by: AMLHarness.staff)
            await #expect(throws: AMLCaseRefusal.commentMissing) { try await h.cases.comment(open.id, "  ", by: AMLHarness.staff) }
            #expect(try await h.cases.comments(of: open.id).map(\.body) == ["Asked the player for the source of funds."])

            let blocking = try #require(try await h.alerts.list(.init(rule: .lowWagering)).first)
            try await h.cases.detach(alert: blocking.id, from: open.id, by: AMLHarness.staff)
            #expect(try await h.cases.get(open.id)?.blocking == false, "without its blocking alert the case holds nothing")
            try await h.cases.attach(alert: blocking.id, to: open.id, by: AMLHarness.staff)
            #expect(try await h.cases.get(open.id)?.blocking == true)

            let payments = RecordedWithdrawals()
            await #expect(throws: AMLCaseRefusal.reportReferenceMissing) {
                try await h.cases.close(open.id, outcome: .reported, note: "Filed.", withdrawals: payments, by: AMLHarness.staff)
            }
            await #expect(throws: AMLCaseRefusal.noteMissing) {
                try await h.cases.close(open.id, outcome: .cleared, note: "", withdrawals: payments, by: AMLHarness.staff)
            }
            let closed = try await h.cases.close(
                open.id, outcome: .cleared, note: "Salary slips match.", withdrawals: payments, by: AMLHarness.staff)
            #expect(closed.state == .closed && closed.outcome == .cleared && closed.closedBy == 42)
            #expect(payments.calls.withLock { $0 } == ["release:1"])
            #expect(try await h.alerts.list(.init(caseID: open.id)).allSatisfy { $0.state == .closed })
            await #expect(throws: AMLCaseRefusal.caseClosed) { try await h.cases.comment(open.id, "late", by: AMLHarness.staff) }
            await #expect(throws: AMLCaseRefusal.caseClosed) { try await h.cases.assign(open.id, to: nil, by: AMLHarness.staff) }

            // A new alert opens a new case.
            h.history.sharesDestination(with: [PlayerID(9)])
            try await h.stake("3000")
            #expect(try await h.withdraw("10", destination: "DE-7") == .blockingHit(missingRate: false))
            #expect(try await h.cases.list(state: .open).count == 1)
            #expect(try await h.cases.list().count == 2)

            #expect(
                try await h.auditActions() == [
                    "compliance.case_assigned", "compliance.case_commented", "compliance.alert_detached", "compliance.alert_attached",
                    "compliance.case_closed",
                ])
        }
    }

    @Test func confirmedRejectsTheHeldWithdrawalsAndFreezesRealMoney() async throws {
        try await AMLHarness.with { h in
            try await h.stake("10")  // leaves 0 real: credit 10, bet 10
            let credit = try await h.ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "test", key: "credit"), player: AMLHarness.player, currency: "EUR",
                    movement: .adjustment(units: 75_000_000)))
            #expect(credit.code == .ok)
            h.history.sharesDestination(with: [PlayerID(9)])
            _ = try await h.withdraw("1")
            let open = try #require(try await h.cases.list(state: .open).first)
            let payments = RecordedWithdrawals()
            let closed = try await h.cases.close(
                open.id, outcome: .confirmed, note: "Mule account.", withdrawals: payments, by: AMLHarness.staff)
            #expect(closed.outcome == .confirmed)
            #expect(payments.calls.withLock { $0 } == ["reject:1"])
            #expect(try await h.ledger.balances(of: AMLHarness.player)["EUR"] == Balances(real: 0, bonus: 0, locked: 75_000_000))
            let freeze = try #require(try await h.cases.freezes(of: AMLHarness.player).first)
            #expect(freeze.caseID == open.id && freeze.units == 75_000_000 && freeze.active)
            #expect(try await h.ledger.operation(IdempotencyKey(scope: "compliance", key: "freeze:\(freeze.id)"))?.kind == "freeze")
        }
    }

    @Test func staffFreezeAndUnfreezeRealMoneyOnceEachAudited() async throws {
        try await AMLHarness.with { h in
            _ = try await h.ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "test", key: "credit"), player: AMLHarness.player, currency: "EUR",
                    movement: .adjustment(units: 10_000_000)))
            await #expect(throws: AMLCaseRefusal.insufficientFunds) {
                try await h.cases.freeze(
                    player: AMLHarness.player, currency: "EUR", units: 10_000_001, reason: "too much", caseID: nil, by: AMLHarness.staff)
            }
            await #expect(throws: AMLCaseRefusal.reasonMissing) {
                try await h.cases.freeze(
                    player: AMLHarness.player, currency: "EUR", units: 1, reason: " ", caseID: nil, by: AMLHarness.staff)
            }
            #expect(try await h.cases.freezes(of: AMLHarness.player).isEmpty, "a refusal stores nothing")
            let freeze = try await h.cases.freeze(
                player: AMLHarness.player, currency: "EUR", units: 4_000_000, reason: "Source of funds pending", caseID: nil,
                by: AMLHarness.staff)
            #expect(try await h.ledger.balances(of: AMLHarness.player)["EUR"] == Balances(real: 6_000_000, bonus: 0, locked: 4_000_000))
            let unfrozen = try await h.cases.unfreeze(freeze.id, by: AMLHarness.staff)
            #expect(!unfrozen.active && unfrozen.unfrozenBy == 42)
            await #expect(throws: AMLCaseRefusal.alreadyUnfrozen) { try await h.cases.unfreeze(freeze.id, by: AMLHarness.staff) }
            #expect(try await h.ledger.balances(of: AMLHarness.player)["EUR"] == Balances(real: 10_000_000, bonus: 0, locked: 0))
            #expect(try await h.auditActions() == ["compliance.funds_frozen", "compliance.funds_unfrozen"])
        }
    }
}
