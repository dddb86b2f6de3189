import Compliance
import Core
import Foundation
import Persistence
import PostgresNIO
import TestSupport
import Testing

/// Compliance's analytics events (docs/events.md): the country when it changes, the KYC level
/// when it is set, and nothing personal.
@Suite struct ComplianceEventsTests {
    @Test func aCountryChangeAndALevelArePublishedWithoutPersonalData() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            try await h.fillL1Profile(player)
            _ = try await h.kyc.profiles.update(ProfileChanges(address: "1 Analytical Engine Way"), of: player)
            _ = try await h.kyc.profiles.update(ProfileChanges(country: "DE"), of: player, staff: 7)
            try await h.kyc.levels.assign(level: 2, to: player, staff: 7, reason: "documents checked by phone")
            let events = try await h.strings(
                """
                SELECT subject || ' ' || payload::text FROM outbox
                 WHERE subject LIKE 'croupier.compliance.%' AND payload->>'playerId' = '\(player.rawValue)' ORDER BY id
                """)
            #expect(
                events == [
                    #"croupier.compliance.profile_changed {"country": "GB", "playerId": \#(player.rawValue)}"#,
                    #"croupier.compliance.profile_changed {"country": "DE", "playerId": \#(player.rawValue)}"#,
                    #"croupier.compliance.kyc_level_changed {"level": 2, "playerId": \#(player.rawValue)}"#,
                ], "an address change publishes nothing")
            #expect(events.allSatisfy { !$0.contains("Lovelace") && !$0.contains("1990") })
        }
    }
}
