import Compliance
import Core
import Foundation
import Identity
import TestSupport
import Testing

/// How a player rises a level, and what stops them: missing requirements, a rejection with
/// reasons they see, and a date of birth under 18, which closes the account.
@Suite struct ApplicationTests {
    @Test func anApprovedApplicationRaisesTheLevelAndIsAudited() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            await #expect(throws: ApplicationRefusal.requirementsMissing([.legalName, .dateOfBirth, .country])) {
                try await h.kyc.applications.submit(player: player, level: 1)
            }
            try await h.fillL1Profile(player)
            guard case .submitted(let application) = try await h.kyc.applications.submit(player: player, level: 1) else {
                Issue.record("not submitted")
                return
            }
            #expect(application.state == .pending && application.level == 1)
            await #expect(throws: ApplicationRefusal.alreadyOpen) { try await h.kyc.applications.submit(player: player, level: 2) }
            await #expect(throws: ProfileProblem.underReview) {
                try await h.kyc.profiles.update(ProfileChanges(legalName: "Someone Else"), of: player)
            }
            #expect(try await h.kyc.applications.queue().map(\.id) == [application.id])
            let review = try await h.kyc.applications.review(application.id, staff: 5)
            #expect(review.profile.legalName == "Ada Lovelace" && review.requirements.allSatisfy { $0.state == .met })
            guard case .approved(let approved) = try await h.kyc.applications.approve(application.id, staff: 5) else {
                Issue.record("not approved")
                return
            }
            #expect(approved.state == .approved)
            #expect(try await h.kyc.levels.level(of: player) == 1)
            #expect(try await h.kyc.applications.queue().isEmpty)
            await #expect(throws: ApplicationRefusal.notPending) { try await h.kyc.applications.approve(application.id, staff: 5) }
            // The date of birth the level rests on is no longer the player's to change.
            await #expect(throws: ProfileProblem.fieldVerified(field: .dateOfBirth)) {
                try await h.kyc.profiles.update(ProfileChanges(dateOfBirth: "1991-01-01"), of: player)
            }
            let audit = try await AuditLog(database: h.database, logger: h.logger).search(.init(action: "compliance."))
            #expect(
                Set(audit.map(\.entry.action)).isSuperset(of: [
                    "compliance.application_submitted", "compliance.application_viewed", "compliance.application_approved",
                ]))
            #expect(
                audit.first { $0.entry.action == "compliance.profile_changed" }?.entry.summary == [
                    "fields": "legalName,dateOfBirth,country"
                ])
        }
    }

    @Test func aRejectionsReasonIsWhatThePlayerSees() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            try await h.fillL1Profile(player)
            guard case .submitted(let application) = try await h.kyc.applications.submit(player: player, level: 1) else {
                Issue.record("not submitted")
                return
            }
            _ = try await h.kyc.applications.reject(application.id, reason: "The name does not match your documents.", staff: 5)
            let view = try await h.kyc.verification(of: player)
            #expect(view.level == 0 && view.openApplication == nil)
            #expect(
                view.latestApplication?.state == .rejected && view.latestApplication?.reason == "The name does not match your documents.")
        }
    }

    @Test func levelTwoNeedsItsDocumentsAndStaffCanAskForAnother() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            try await h.fillL1Profile(player)
            await #expect(throws: ApplicationRefusal.requirementsMissing([.identityDocument, .selfie])) {
                try await h.kyc.applications.submit(player: player, level: 2)
            }
            _ = try await h.kyc.documents.submit(
                player: player, kind: .identityDocument, bytes: Data(DocumentTests.jpeg), claimedFilename: "id.jpg")
            _ = try await h.kyc.documents.submit(player: player, kind: .selfie, bytes: Data(DocumentTests.png), claimedFilename: "me.png")
            guard case .submitted(let application) = try await h.kyc.applications.submit(player: player, level: 2) else {
                Issue.record("not submitted")
                return
            }
            let asked = try await h.kyc.applications.requestDocument(
                application.id, kind: .selfie, reason: "Your face must be visible.", staff: 5)
            #expect(asked.state == .documentRequested && asked.requestedKind == .selfie)
            #expect(try await h.kyc.applications.queue().isEmpty, "it waits for the player, not for staff")
            _ = try await h.kyc.documents.submit(player: player, kind: .selfie, bytes: Data(DocumentTests.png), claimedFilename: "me2.png")
            #expect(try await h.kyc.applications.queue().map(\.id) == [application.id])
            guard case .approved = try await h.kyc.applications.approve(application.id, staff: 5) else {
                Issue.record("not approved")
                return
            }
            #expect(try await h.kyc.levels.level(of: player) == 2)
            #expect(try await h.kyc.documents.documents(of: player).allSatisfy { $0.state == .approved })
        }
    }

    @Test func anApprovalIsRefusedWhileARequirementIsUnmet() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            try await h.fillL1Profile(player)
            let id = try await h.kyc.documents.submit(
                player: player, kind: .identityDocument, bytes: Data(DocumentTests.jpeg), claimedFilename: "id.jpg")
            _ = try await h.kyc.documents.submit(player: player, kind: .selfie, bytes: Data(DocumentTests.png), claimedFilename: "me.png")
            guard case .submitted(let application) = try await h.kyc.applications.submit(player: player, level: 2) else {
                Issue.record("not submitted")
                return
            }
            _ = try await h.kyc.documents.reject(id.id, reason: "Expired.", staff: 5)
            await #expect(throws: ApplicationRefusal.requirementsMissing([.identityDocument])) {
                try await h.kyc.applications.approve(application.id, staff: 5)
            }
            #expect(try await h.kyc.levels.level(of: player) == 0)
            #expect(try await h.kyc.applications.queue().map(\.id) == [application.id], "nothing changed")
        }
    }

    @Test func aDateOfBirthUnder18GivenInTheProfileClosesTheAccountAndOpensACase() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            let adult = try await h.player()
            try await h.fillL1Profile(adult, dateOfBirth: "2008-09-21")
            #expect(try await h.count("SELECT count(*)::text FROM compliance_cases") == 0, "18 today is adult")
            // 17 years and 364 days old on the harness's clock (2026-09-21).
            try await h.fillL1Profile(player, dateOfBirth: "2008-09-22")
            #expect(try await PlayerStatuses(database: h.database, logger: h.logger).status(of: player)?.disabled == true)
            #expect(try await PlayerStatuses(database: h.database, logger: h.logger).status(of: adult)?.disabled == false)
            #expect(
                try await h.count("SELECT count(*)::text FROM compliance_cases WHERE state = 'open' AND player_id = \(player.rawValue)")
                    == 1)
            let found = try await AuditLog(database: h.database, logger: h.logger).search(.init(action: "compliance.underage_found"))
            #expect(found.map(\.entry.summary["found"]) == ["profile"])
        }
    }

    @Test func aDateOfBirthUnder18ClosesTheAccountAtApplicationAndOpensACase() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            // 17 years and 364 days old on the harness's clock (2026-09-21).
            try await h.fillL1Profile(player, dateOfBirth: "2008-09-22")
            guard case .closedUnderage(let finding) = try await h.kyc.applications.submit(player: player, level: 1) else {
                Issue.record("an under-18 application was not refused")
                return
            }
            #expect(finding.player == player && finding.age == 17 && finding.dateOfBirth == "2008-09-22")
            #expect(try await PlayerStatuses(database: h.database, logger: h.logger).status(of: player)?.disabled == true)
            #expect(try await h.kyc.levels.level(of: player) == 0)
            #expect(try await h.kyc.applications.applications(of: player).first?.state == .rejected)
            let closed = try await AuditLog(database: h.database, logger: h.logger).search(.init(action: "identity.player_closed"))
            #expect(closed.first?.entry.summary["reason"] == "compliance.underage")
            #expect(
                try await h.count("SELECT count(*)::text FROM compliance_cases WHERE state = 'open' AND player_id = \(player.rawValue)")
                    == 1,
                "one case, however many times it was found")
            // On their 18th birthday the same date is adult.
            #expect(ProfileValidation.age(dateOfBirth: "2008-09-21", at: h.clock.now) == 18)
        }
    }

    @Test func hostileProfileTextIsRefusedByName() async throws {
        let today = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(throws: ProfileProblem.controlCharacters(field: .legalName)) { try ProfileValidation.name("Ada\u{0}Lovelace") }
        #expect(throws: ProfileProblem.controlCharacters(field: .legalName)) { try ProfileValidation.name("Ada \u{202E}ecalevoL") }
        #expect(throws: ProfileProblem.controlCharacters(field: .legalName)) { try ProfileValidation.name("Ada\nLovelace") }
        #expect(throws: ProfileProblem.badLength(field: .legalName)) { try ProfileValidation.name(String(repeating: "a", count: 201)) }
        #expect(throws: ProfileProblem.badLength(field: .legalName)) { try ProfileValidation.name("   ") }
        #expect(throws: ProfileProblem.nameWithoutLetters) { try ProfileValidation.name("<>'\";--") }
        #expect(try ProfileValidation.name("  Jürgen O'Brien-Łukasz ") == "Jürgen O'Brien-Łukasz")
        #expect(try ProfileValidation.address("1 Main St\nLondon") == "1 Main St\nLondon")
        #expect(throws: ProfileProblem.controlCharacters(field: .address)) { try ProfileValidation.address("1 Main St\r\nLondon\u{1B}[2J") }
        #expect(throws: ProfileProblem.unknownCountry) { try ProfileValidation.country("XX") }
        #expect(throws: ProfileProblem.unknownCountry) { try ProfileValidation.country("GBR") }
        #expect(try ProfileValidation.country(" gb") == "GB")
        for bad in ["2026-02-30", "1899-12-31", "2030-01-01", "01/02/1990", "1990-1-1"] {
            #expect(throws: ProfileProblem.badDateOfBirth) { try ProfileValidation.dateOfBirth(bad, today: today) }
        }
        #expect(try ProfileValidation.dateOfBirth("2000-02-29", today: today) == "2000-02-29")
    }
}
