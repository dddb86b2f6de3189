import Bonuses
import Core
import Ledger
import TestSupport
import Testing

/// Manual grants with four eyes: one staff member asks, another decides within 24 hours.
@Suite struct GrantRequestTests {
    @Test func anotherStaffMemberApprovesOnceAndTheRequesterCannot() async throws {
        try await BonusHarness.with { h in
            let campaign = try await h.depositMatch()
            let requests = GrantRequests(grants: h.grants)
            let asked = try await requests.request(
                campaign: campaign.id, player: h.player, depositUnits: 20 * BonusHarness.euro, note: "goodwill", staff: 1)
            await #expect(throws: GrantRequestRefusal.ownRequest) { try await requests.decide(asked.id, approve: true, staff: 1) }
            #expect(try await h.balances() == (0, 0), "the refusal granted nothing")
            let granted = try #require(try await requests.decide(asked.id, approve: true, staff: 2))
            #expect(granted.units == 20 * BonusHarness.euro)
            #expect(try await h.balances() == (0, 20))
            await #expect(throws: GrantRequestRefusal.notOpen) { try await requests.decide(asked.id, approve: true, staff: 3) }
            #expect(try await requests.open().isEmpty)
        }
    }

    @Test func aRequestMarkedForAnOwnerIsApprovedOnlyByOne() async throws {
        try await BonusHarness.with { h in
            let campaign = try await h.depositMatch()
            let requests = GrantRequests(grants: h.grants)
            let asked = try await requests.request(
                campaign: campaign.id, player: h.player, depositUnits: 20 * BonusHarness.euro, note: "VIP", staff: 1, requiresOwner: true)
            #expect(try await requests.open().map(\.requiresOwner) == [true])
            await #expect(throws: GrantRequestRefusal.ownerRequired) { try await requests.decide(asked.id, approve: true, staff: 2) }
            #expect(try await h.balances() == (0, 0), "the refusal granted nothing")
            let granted = try #require(try await requests.decide(asked.id, approve: true, staff: 3, isOwner: true))
            #expect(granted.units == 20 * BonusHarness.euro)
        }
    }

    @Test func aRequestExpiresAfterADayAndARejectionGrantsNothing() async throws {
        try await BonusHarness.with { h in
            let campaign = try await h.depositMatch()
            let requests = GrantRequests(grants: h.grants)
            await #expect(throws: GrantRequestRefusal.noteRequired) {
                try await requests.request(campaign: campaign.id, player: h.player, note: "  ", staff: 1)
            }
            let late = try await requests.request(campaign: campaign.id, player: h.player, depositUnits: 10, note: "late", staff: 1)
            h.clock.advance(days: 1.01)
            await #expect(throws: GrantRequestRefusal.notOpen) { try await requests.decide(late.id, approve: true, staff: 2) }
            let rejected = try await requests.request(campaign: campaign.id, player: h.player, depositUnits: 10, note: "no", staff: 1)
            #expect(try await requests.decide(rejected.id, approve: false, staff: 2) == nil)
            #expect(try await h.balances() == (0, 0))
        }
    }
}

/// Bonuses' audit: every grant is its ledger operation.
@Suite struct BonusAuditorTests {
    @Test func aGrantWithoutItsLedgerOperationIsFound() async throws {
        try await BonusHarness.with { h in
            _ = try await h.depositMatch()
            try await h.deposit(30)
            let auditor = BonusAuditor(database: h.database, ledger: h.ledger, logger: TestServices.logger)
            #expect(try await auditor.violations() == 0)
            try await h.database.withConnection { connection in
                try await connection.query("UPDATE bonuses_grants SET units = units + 1", logger: TestServices.logger).collect()
            }
            #expect(try await auditor.violations() == 1)
            try await h.database.withConnection { connection in
                try await connection.query("UPDATE bonuses_grants SET units = units - 1", logger: TestServices.logger).collect()
            }
        }
    }

    /// From the ledger back: a bonus written into the ledger under Bonuses' scope with no grant
    /// or spin win claiming it is found, though Bonuses has no row at all.
    @Test func aLedgerBonusNoRowClaimsIsFound() async throws {
        try await TestDatabase.with { database in
            let ledger = Ledger(database: database, logger: TestServices.logger)
            let auditor = BonusAuditor(database: database, ledger: ledger, logger: TestServices.logger)
            #expect(try await auditor.violations() == 0)
            let forged = try await ledger.apply(
                LedgerOperation(
                    key: FreeSpinWins.key(provider: "originals", transaction: "forged"), player: PlayerID(4242), currency: "EUR",
                    movement: .bonusGrant(units: 500)))
            #expect(forged.code == .ok)
            #expect(try await auditor.violations() == 1)
        }
    }
}
