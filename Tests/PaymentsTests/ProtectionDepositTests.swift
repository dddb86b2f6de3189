import Compliance
import Core
import Foundation
import Ledger
import TestSupport
import Testing

@testable import Payments

/// The player's own deposit limits and exclusions, asked in the deposit's transaction
/// (docs/player-protection.md). The clock is moved, never slept on; the harness runs the
/// ledger's audit after each test.
@Suite struct ProtectionDepositTests {
    static let daily = LimitSlot(kind: .deposit, period: .day, currency: "EUR")

    @Test func aDailyDepositLimitRefusesWhatPassesItNamingWhatIsLeftAndWhenItResets() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            #expect(try await h.protection.setLimit(player: player, slot: Self.daily, amount: "50.00", actor: "player") == .applied)
            try await h.deposit("40", for: player)
            let reset = ProtectionPeriod.day.interval(containing: h.clock.now).end
            await #expect(
                throws: DepositRefusal.protection(
                    .limitReached(period: .day, currency: "EUR", limit: "50.00", left: "10.00", resetsAt: reset))
            ) {
                _ = try await h.deposits.create(player: player, gateway: "scripted", amount: "20", currency: "EUR", returnURL: "http://x")
            }
            #expect(try await h.depositCount() == 1, "a refused deposit writes nothing")
            try await h.deposit("10", for: player, played: false)
        }
    }

    @Test func aRaiseWaitsTwentyFourHoursAndTheConfirmationWhileALoweringIsImmediate() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            _ = try await h.protection.setLimit(player: player, slot: Self.daily, amount: "50", actor: "player")
            try await h.deposit("40", for: player)
            let asked = h.clock.now
            #expect(
                try await h.protection.setLimit(player: player, slot: Self.daily, amount: "100", actor: "player")
                    == .pending(effectiveAt: asked.addingTimeInterval(24 * 3600)))
            await #expect(throws: DepositRefusal.self, "the old limit stays while the raise waits") {
                _ = try await h.deposits.create(player: player, gateway: "scripted", amount: "20", currency: "EUR", returnURL: "http://x")
            }
            await #expect(throws: ProtectionProblem.coolingOff(until: asked.addingTimeInterval(24 * 3600))) {
                try await h.protection.confirm(player: player, slot: Self.daily, actor: "player")
            }
            h.clock.advance(24 * 3600)
            await #expect(throws: DepositRefusal.self, "after the cooling-off the raise still needs the confirmation") {
                _ = try await h.deposits.create(player: player, gateway: "scripted", amount: "60", currency: "EUR", returnURL: "http://x")
            }
            try await h.protection.confirm(player: player, slot: Self.daily, actor: "player")
            #expect(try await h.protection.overview(of: player).limits.first?.units == 10_000_000)
            try await h.deposit("60", for: player, played: false)

            #expect(try await h.protection.setLimit(player: player, slot: Self.daily, amount: "5", actor: "player") == .applied)
            #expect(try await h.protection.overview(of: player).limits.first?.units == 500_000, "a lowering applies at once")
            await #expect(throws: ProtectionProblem.nothingPending) {
                try await h.protection.confirm(player: player, slot: Self.daily, actor: "player")
            }
            let actions = try await h.strings(
                "SELECT action FROM identity_audit_log WHERE target = 'player:\(player.rawValue)' AND action LIKE 'compliance.limit%' ORDER BY id"
            )
            #expect(
                actions == [
                    "compliance.limit_set", "compliance.limit_raise_requested", "compliance.limit_raise_confirmed", "compliance.limit_set",
                ])
        }
    }

    @Test func aSelfExcludedPlayerCannotDepositButStillWithdrawsAndCannotShortenIt() async throws {
        try await PaymentsHarness.with { h in
            let player = try await h.signedUpPlayer()
            try await h.deposit("80", for: player)
            let exclusion = try await h.protection.exclude(player: player, term: .selfExclusion(months: 6), actor: "player")
            #expect(exclusion.endsAt.map { $0 > h.clock.now.addingTimeInterval(180 * 86_400) } == true)
            await #expect(throws: DepositRefusal.protection(.excluded(.selfExclusion, until: exclusion.endsAt))) {
                _ = try await h.deposits.create(player: player, gateway: "scripted", amount: "20", currency: "EUR", returnURL: "http://x")
            }
            await #expect(throws: ProtectionProblem.alreadyExcluded(until: exclusion.endsAt), "nobody shortens it") {
                try await h.protection.exclude(player: player, term: .timeOut(days: 1), actor: "staff:1")
            }
            let asked = try await h.withdrawals.request(
                player: player, gateway: "scripted", amount: "50", currency: "EUR", destination: "DE-4400-1234")
            let confirmed = try await h.withdrawals.confirm(asked.id, of: player, code: try await h.mailedCode()).withdrawal
            #expect(confirmed.state == .approved)
            #expect(try await h.payouts.sendApproved() == 1)
        }
    }
}
