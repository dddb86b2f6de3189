import Compliance
import Core
import Foundation
import Payments
import PostgresNIO
import TestSupport
import Testing

/// Player protection's rules on the real PostgreSQL: calendar periods, cooling-off, removal,
/// bad input, exclusions (docs/player-protection.md). Deposits and bets are in PaymentsTests and
/// GamesTests.
@Suite struct ProtectionTests {
    static func protection(_ h: ComplianceHarness) -> PlayerProtection {
        PlayerProtection(
            database: h.database, ledger: h.ledger, history: PaymentsMovementHistory(logger: h.logger), observer: NoProtectionObserver(),
            logger: h.logger, now: { h.clock.now })
    }

    static func date(_ text: String) throws -> Date { try Date(text, strategy: .iso8601) }

    @Test func periodsAreCalendarPeriodsInUTC() throws {
        let wednesday = try Self.date("2026-12-02T15:30:00Z")
        #expect(ProtectionPeriod.day.interval(containing: wednesday).start == (try Self.date("2026-12-02T00:00:00Z")))
        #expect(ProtectionPeriod.day.interval(containing: wednesday).end == (try Self.date("2026-12-03T00:00:00Z")))
        #expect(ProtectionPeriod.week.interval(containing: wednesday).start == (try Self.date("2026-11-30T00:00:00Z")), "Monday")
        #expect(ProtectionPeriod.week.interval(containing: wednesday).end == (try Self.date("2026-12-07T00:00:00Z")))
        #expect(ProtectionPeriod.month.interval(containing: wednesday).start == (try Self.date("2026-12-01T00:00:00Z")))
        #expect(ProtectionPeriod.month.interval(containing: wednesday).end == (try Self.date("2027-01-01T00:00:00Z")))
    }

    /// The play counter books a rollback on the day of what it reverses (`day`, given by the
    /// wallet), so a stake refunded after midnight leaves neither day off by its amount.
    @Test func aRollbackIsTakenBackFromTheDayOfWhatItReverses() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            let today = String(Date().formatted(.iso8601).prefix(10))
            try await h.database.withConnection { connection in
                for call in [
                    #"{"currency":"EUR","bet":"500","win":"0","day":"2026-01-05"}"#,
                    #"{"currency":"EUR","bet":"-500","win":"0","day":"2026-01-05"}"#,
                    #"{"currency":"EUR","bet":"100","win":"0"}"#,
                ] {
                    try await connection.query(
                        "SELECT compliance_count_play_v1(\(player.rawValue), \(call)::jsonb)", logger: h.logger
                    ).collect()
                }
                var days: [String: Int64] = [:]
                for try await (day, stake) in try await connection.query(
                    "SELECT day::text, stake_units FROM compliance_play_days WHERE player_id = \(player.rawValue)", logger: h.logger
                ).decode((String, Int64).self) {
                    days[day] = stake
                }
                #expect(days == ["2026-01-05": 0, today: 100])
            }
        }
    }

    @Test func aRemovalWaitsLikeARaiseAndBadInputChangesNothing() async throws {
        try await ComplianceHarness.with { h in
            let protection = Self.protection(h)
            let player = try await h.player()
            let weekly = LimitSlot(kind: .wager, period: .week, currency: "EUR")
            await #expect(throws: ProtectionProblem.invalidAmount("0")) {
                try await protection.setLimit(player: player, slot: weekly, amount: "0", actor: "player")
            }
            await #expect(throws: ProtectionProblem.invalidAmount("1.000001")) {
                try await protection.setLimit(player: player, slot: weekly, amount: "1.000001", actor: "player")
            }
            await #expect(throws: ProtectionProblem.unknownCurrency("XXX")) {
                try await protection.setLimit(
                    player: player, slot: LimitSlot(kind: .loss, period: .day, currency: "XXX"), amount: "1", actor: "player")
            }
            await #expect(throws: ProtectionProblem.invalidSlot) {
                try await protection.setLimit(
                    player: player, slot: LimitSlot(kind: .session, period: .day, currency: nil), amount: "30", actor: "player")
            }
            #expect(try await protection.overview(of: player).limits.isEmpty)

            #expect(try await protection.setLimit(player: player, slot: weekly, amount: "200", actor: "player") == .applied)
            #expect(
                try await protection.setLimit(player: player, slot: weekly, amount: nil, actor: "player")
                    == .pending(effectiveAt: h.clock.now.addingTimeInterval(PlayerProtection.coolingOff)))
            let pending = try #require(try await protection.overview(of: player).limits.first)
            #expect(pending.units == 20_000_000 && pending.pending?.units == nil, "the limit stays until the removal is confirmed")
            h.clock.advance(PlayerProtection.coolingOff)
            try await protection.confirm(player: player, slot: weekly, actor: "player")
            #expect(try await protection.overview(of: player).limits.isEmpty)

            #expect(try await protection.setLimit(player: player, slot: .session, amount: "45", actor: "player") == .applied)
            await #expect(throws: ProtectionProblem.invalidInterval) {
                try await protection.setRealityCheck(player: player, minutes: 1, actor: "player")
            }
            try await protection.setRealityCheck(player: player, minutes: 30, actor: "player")
            let overview = try await protection.overview(of: player)
            #expect(overview.realityCheckMinutes == 30 && overview.limits.map(\.units) == [45])
        }
    }

    @Test func exclusionsAreNeverShortenedAndAreAudited() async throws {
        try await ComplianceHarness.with { h in
            let protection = Self.protection(h)
            let player = try await h.player()
            await #expect(throws: ProtectionProblem.invalidTerm) {
                try await protection.exclude(player: player, term: .timeOut(days: 43), actor: "player")
            }
            await #expect(throws: ProtectionProblem.invalidTerm) {
                try await protection.exclude(player: player, term: .selfExclusion(months: 3), actor: "player")
            }
            let timeOut = try await protection.exclude(player: player, term: .timeOut(days: 2), actor: "player")
            #expect(timeOut.endsAt == h.clock.now.addingTimeInterval(2 * 86_400))
            await #expect(throws: ProtectionProblem.alreadyExcluded(until: timeOut.endsAt)) {
                try await protection.exclude(player: player, term: .timeOut(days: 1), actor: "player")
            }
            let permanent = try await protection.exclude(player: player, term: .permanent, actor: "player")
            #expect(permanent.endsAt == nil)
            h.clock.advance(10 * 365 * 86_400)
            #expect(try await protection.exclusion(of: player)?.kind == .selfExclusion, "permanent stays")
            #expect(
                try await h.count(
                    "SELECT count(*)::text FROM identity_audit_log WHERE action = 'compliance.player_excluded' AND target = 'player:\(player.rawValue)'"
                )
                    == 2)
        }
    }
}
