import Compliance
import Core
import Foundation
import Identity
import Persistence
import PostgresNIO
import TestSupport
import Testing

/// The KYC limits as Payments meets them: sums over rolling windows in the pivot, each movement
/// at its own time's rate, refused by name with what is left and what the next level needs,
/// serialized per player so two requests cannot both pass a limit they exceed together.
@Suite struct LimitTests {
    @Test func depositsAcrossCurrenciesAreSummedInThePivotEachAtItsRate() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            let now = h.clock.now
            try await h.kyc.updateLevel(
                0, requirements: [.emailConfirmed],
                limits: LevelLimits(depositsDay: "2000", deposits30Days: "10000", withdrawalsDay: "50", withdrawals30Days: "100"), staff: 9)
            // USD was worth 0.75 EUR when the player deposited it, 0.5 now: the sum uses 0.75.
            try await h.kyc.rates.set(currency: "USD", rate: "0.75", validFrom: now.addingTimeInterval(-86_400), staff: 9)
            try await h.kyc.rates.set(currency: "USD", rate: "0.5", validFrom: now.addingTimeInterval(-60), staff: 9)
            try await h.depositAsked(player, units: 150_000_000, currency: "EUR", at: now.addingTimeInterval(-3_600))
            try await h.depositAsked(player, units: 70_000_000, currency: "USD", at: now.addingTimeInterval(-1_800))
            // EUR 1,500 + USD 700 × 0.75 = EUR 2,025: over the day's 2,000 already, so even EUR 1 is refused.
            let refusal = try await h.database.withTransaction(logger: h.logger) { connection in
                try await h.kyc.limits.admit(player: player, direction: .deposit, currency: "EUR", units: 100_000, on: connection)
            }
            guard case .limitReached(let limit) = refusal else {
                Issue.record("admitted: \(String(describing: refusal))")
                return
            }
            #expect(limit.direction == .deposit && limit.window == .day && limit.pivot == "EUR")
            #expect(limit.limit == "2000.00000" && limit.left == "0.00000" && limit.level == 0 && limit.nextLevel == 1)
            #expect(limit.missing == [.legalName, .dateOfBirth, .country])
            let usage = try await h.database.withConnection { try await h.kyc.limits.usage(of: player, on: $0) }
            #expect(usage.first { $0.direction == .deposit && $0.window == .day }?.used == "2025.00000")
            // Withdrawals are another sum: untouched by the deposits.
            let withdrawal = try await h.database.withTransaction(logger: h.logger) { connection in
                try await h.kyc.limits.admit(player: player, direction: .withdrawal, currency: "EUR", units: 5_000_000, on: connection)
            }
            #expect(withdrawal == nil)
            // A day later the day's window is empty again; the 30 days' still holds both.
            h.clock.set(now.addingTimeInterval(86_400))
            let later = try await h.database.withTransaction(logger: h.logger) { connection in
                try await h.kyc.limits.admit(player: player, direction: .deposit, currency: "EUR", units: 100_000_000, on: connection)
            }
            #expect(later == nil)
        }
    }

    @Test func aMovementWithoutARateFailsClosedByName() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            let verdict = try await h.database.withTransaction(logger: h.logger) { connection in
                try await h.kyc.limits.admit(player: player, direction: .deposit, currency: "USD", units: 1_000_000, on: connection)
            }
            #expect(verdict == .rateMissing(currency: "USD"))
            // An earlier movement in a currency whose rate came only later: refused too.
            try await h.depositAsked(player, units: 1_000_000, currency: "RUB", at: h.clock.now.addingTimeInterval(-600))
            try await h.kyc.rates.set(currency: "RUB", rate: "0.01", validFrom: h.clock.now.addingTimeInterval(-60), staff: 1)
            let earlier = try await h.database.withTransaction(logger: h.logger) { connection in
                try await h.kyc.limits.admit(player: player, direction: .deposit, currency: "EUR", units: 1_000_000, on: connection)
            }
            #expect(earlier == .rateMissing(currency: "RUB"))
        }
    }

    /// Two transactions on two connections each check 30 EUR against the L0 daily withdrawal
    /// limit (50) and write the withdrawal. The second waits on the player's lock while the
    /// first holds it, then counts the first and is refused with 20 left.
    @Test func twoConcurrentWithdrawalsOverTheDailyLimitLetExactlyOneThrough() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            let first = AsyncStream<Void>.makeStream()
            let release = AsyncStream<Void>.makeStream()
            async let one: MovementRefusal? = h.database.withTransaction(logger: h.logger) { connection in
                let verdict = try await h.kyc.limits.admit(
                    player: player, direction: .withdrawal, currency: "EUR", units: 3_000_000, on: connection)
                if verdict == nil { try await h.withdrawalHeld(player, units: 3_000_000, at: h.clock.now, on: connection) }
                first.continuation.yield()
                for await _ in release.stream { break }
                return verdict
            }
            for await _ in first.stream { break }
            async let two: MovementRefusal? = h.database.withTransaction(logger: h.logger) { connection in
                let verdict = try await h.kyc.limits.admit(
                    player: player, direction: .withdrawal, currency: "EUR", units: 3_000_000, on: connection)
                if verdict == nil { try await h.withdrawalHeld(player, units: 3_000_000, at: h.clock.now, on: connection) }
                return verdict
            }
            // The second really waits on the lock the first holds before the first commits.
            while try await h.count("SELECT count(*)::text FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") < 1 {
                try await Task.sleep(for: .milliseconds(10))
            }
            release.continuation.yield()
            let verdicts = [try await one, try await two]
            #expect(verdicts.filter { $0 == nil }.count == 1)
            guard case .limitReached(let limit) = verdicts[1] else {
                Issue.record("the second was not refused: \(verdicts)")
                return
            }
            #expect(limit.direction == .withdrawal && limit.window == .day && limit.limit == "50.00000" && limit.left == "20.00000")
            #expect(try await h.count("SELECT count(*)::text FROM payments_withdrawals") == 1)
        }
    }

    @Test func unsynchronisedConcurrentRequestsStillLetExactlyOneThrough() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            let verdicts = try await withThrowingTaskGroup(of: MovementRefusal?.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await h.database.withTransaction(logger: h.logger) { connection in
                            let verdict = try await h.kyc.limits.admit(
                                player: player, direction: .deposit, currency: "EUR", units: 6_000_000, on: connection)
                            if verdict == nil {
                                try await h.depositAsked(player, units: 6_000_000, currency: "EUR", at: h.clock.now, on: connection)
                            }
                            return verdict
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            // L0: EUR 100 a day; four of EUR 60: one passes.
            #expect(verdicts.filter { $0 == nil }.count == 1)
            #expect(try await h.count("SELECT count(*)::text FROM payments_deposits") == 1)
        }
    }

    @Test func staffChangesToLevelsAreValidatedAndAudited() async throws {
        try await ComplianceHarness.with { h in
            let limits = LevelLimits(depositsDay: "100", deposits30Days: "250", withdrawalsDay: "50", withdrawals30Days: "100")
            await #expect(throws: KYCLevelProblem.badLimit("-1")) {
                try await h.kyc.levels.update(
                    level: 1, requirements: [.legalName],
                    limits: LevelLimits(depositsDay: "-1", deposits30Days: nil, withdrawalsDay: nil, withdrawals30Days: nil),
                    pivotScale: 5, staff: 4)
            }
            await #expect(throws: KYCLevelProblem.levelZeroRequirements) {
                try await h.kyc.levels.update(level: 0, requirements: [.selfie], limits: limits, pivotScale: 5, staff: 4)
            }
            await #expect(throws: KYCLevelProblem.requirementsNotCumulative(level: 2)) {
                try await h.kyc.levels.update(
                    level: 1, requirements: [.legalName, .dateOfBirth, .country, .address], limits: limits, pivotScale: 5, staff: 4)
            }
            try await h.kyc.levels.update(
                level: 3, requirements: KYCRequirement.allCases,
                limits: LevelLimits(depositsDay: "50000.5", deposits30Days: nil, withdrawalsDay: nil, withdrawals30Days: nil),
                pivotScale: 5, staff: 4)
            let top = try #require(try await h.kyc.levels.all().last)
            #expect(top.limits.depositsDay == "50000.5" && top.limits.deposits30Days == nil && top.updatedBy == "staff:4")
            let audit = try await AuditLog(database: h.database, logger: h.logger).search(.init(action: "compliance.level_changed"))
            #expect(audit.count == 1 && audit.first?.entry.summary["new"]?.contains("deposits=50000.5/day,none/30d") == true)
        }
    }

    @Test func theVerificationViewShowsTheLevelItsLimitsWhatIsUsedAndWhatTheNextLevelNeeds() async throws {
        try await ComplianceHarness.with { h in
            let player = try await h.player()
            try await h.depositAsked(player, units: 4_000_000, currency: "EUR", at: h.clock.now.addingTimeInterval(-60))
            _ = try await h.kyc.profiles.update(ProfileChanges(legalName: "Ada Lovelace"), of: player)
            let view = try await h.kyc.verification(of: player)
            #expect(view.level == 0 && view.pivot == "EUR" && view.levels.map(\.level) == [0, 1, 2, 3] && view.usageRateMissing == nil)
            let day = try #require(view.usage.first { $0.direction == .deposit && $0.window == .day })
            #expect(day.limit == "100.00000" && day.used == "40.00000" && day.left == "60.00000")
            #expect(view.usage.first { $0.direction == .withdrawal && $0.window == .thirtyDays }?.left == "100.00000")
            #expect(view.nextLevel == 1)
            #expect(
                view.nextRequirements == [
                    RequirementStatus(requirement: .emailConfirmed, state: .met), RequirementStatus(requirement: .legalName, state: .met),
                    RequirementStatus(requirement: .dateOfBirth, state: .missing),
                    RequirementStatus(requirement: .country, state: .missing),
                ])
            #expect(view.openApplication == nil && view.documents.isEmpty && view.profile.legalName == "Ada Lovelace")
        }
    }
}
