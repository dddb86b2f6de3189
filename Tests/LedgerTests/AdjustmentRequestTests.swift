import Core
import Foundation
import TestSupport
import Testing

@testable import Ledger

/// Four eyes on manual adjustments: money moves only on another staff member's approval, once,
/// within the request's lifetime, by an owner when the request says so. The harness audits the
/// ledger (invariant 9 included) after each test.
@Suite struct AdjustmentRequestTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let finance = AdjustmentRequests.Decider(actor: "staff:1", isOwner: false)
    let colleague = AdjustmentRequests.Decider(actor: "staff:2", isOwner: false)
    let owner = AdjustmentRequests.Decider(actor: "staff:3", isOwner: true)

    func draft(_ units: Int64, key: String = "k1", requiresOwner: Bool = false) -> AdjustmentRequests.Draft {
        AdjustmentRequests.Draft(
            player: PlayerID(1), currency: "EUR", units: units, reason: "goodwill", requestedBy: finance.actor, key: key,
            requiresOwner: requiresOwner)
    }

    @Test func onlyAnotherStaffMembersApprovalMovesTheMoneyAndOnlyOnce() async throws {
        try await LedgerHarness.with { h in
            let requests = AdjustmentRequests(ledger: h.ledger)
            let (request, created) = try await h.database.withConnection { try await requests.request(draft(500), at: start, on: $0) }
            #expect(created && request.state == .requested)
            let (again, createdAgain) = try await h.database.withConnection { try await requests.request(draft(500), at: start, on: $0) }
            #expect(again == request && !createdAgain, "a retried request answers the first")
            await #expect(throws: AdjustmentRequests.Refusal.keyReused) {
                try await h.database.withConnection { try await requests.request(draft(900), at: start, on: $0) }
            }
            await #expect(throws: AdjustmentRequests.Refusal.ownRequest) {
                try await h.database.withConnection { try await requests.approve(request.id, by: finance, at: start, on: $0) }
            }
            #expect(try await h.balances() == .zero)
            let (approved, outcome) = try await h.database.withTransaction(logger: TestServices.logger) {
                try await requests.approve(request.id, by: colleague, at: start, on: $0)
            }
            #expect(outcome.code == .ok && outcome.balances?.real == 500)
            #expect(approved.state == .approved && approved.decidedBy == colleague.actor && approved.transactionID == outcome.transactionID)
            await #expect(throws: AdjustmentRequests.Refusal.notOpen) {
                try await h.database.withConnection { try await requests.approve(request.id, by: owner, at: start, on: $0) }
            }
            #expect(try await h.balances().real == 500)
            await #expect(throws: AdjustmentRequests.Refusal.notFound) {
                try await h.database.withConnection { try await requests.approve(request.id + 100, by: owner, at: start, on: $0) }
            }
        }
    }

    @Test func aRequestAtTheOwnersThresholdWaitsForAnOwner() async throws {
        try await LedgerHarness.with { h in
            let requests = AdjustmentRequests(ledger: h.ledger)
            let (request, _) = try await h.database.withConnection {
                try await requests.request(draft(100_000, requiresOwner: true), at: start, on: $0)
            }
            await #expect(throws: AdjustmentRequests.Refusal.ownerRequired) {
                try await h.database.withConnection { try await requests.approve(request.id, by: colleague, at: start, on: $0) }
            }
            let (_, outcome) = try await h.database.withConnection { try await requests.approve(request.id, by: owner, at: start, on: $0) }
            #expect(outcome.code == .ok && outcome.balances?.real == 100_000)
        }
    }

    @Test func aRequestExpiresAfterADayAndCanNoLongerBeDecided() async throws {
        try await LedgerHarness.with { h in
            let requests = AdjustmentRequests(ledger: h.ledger)
            let (request, _) = try await h.database.withConnection { try await requests.request(draft(500), at: start, on: $0) }
            let later = start.addingTimeInterval(AdjustmentRequests.lifetime + 1)
            #expect(try await requests.open(at: start).map(\.id) == [request.id])
            #expect(try await requests.open(at: later).isEmpty)
            #expect(try await requests.of(PlayerID(1), at: later).map(\.state) == [.expired])
            await #expect(throws: AdjustmentRequests.Refusal.notOpen) {
                try await h.database.withConnection { try await requests.approve(request.id, by: colleague, at: later, on: $0) }
            }
            await #expect(throws: AdjustmentRequests.Refusal.notOpen) {
                try await h.database.withConnection { try await requests.reject(request.id, by: colleague, at: later, on: $0) }
            }
            #expect(try await h.balances() == .zero)
        }
    }

    @Test func aDebitBeyondTheBalanceMovesNothingAndStaysOpen() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 300, gateway: .payments("sandbox")))
            let requests = AdjustmentRequests(ledger: h.ledger)
            let (request, _) = try await h.database.withConnection { try await requests.request(draft(-500), at: start, on: $0) }
            let (still, outcome) = try await h.database.withConnection {
                try await requests.approve(request.id, by: colleague, at: start, on: $0)
            }
            #expect(outcome.code == .insufficientFunds)
            #expect(still.state == .requested)
            #expect(try await h.balances().real == 300)
            let rejected = try await h.database.withConnection { try await requests.reject(request.id, by: finance, at: start, on: $0) }
            #expect(rejected.state == .rejected && rejected.decidedBy == finance.actor, "the requester withdraws it")
            #expect(try await requests.open(at: start).isEmpty)
        }
    }
}
