import Compliance
import Core
import Foundation
import Ledger
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Games

/// Player protection at the Hub88 wallet, as the App composes it (`WalletHooks` with
/// Compliance's bet check and play counter): a bet past a loss limit or during an exclusion is
/// refused with the balance, while wins and rollbacks always settle (docs/player-protection.md).
@Suite struct Hub88ProtectionTests {
    static let hooks = WalletHooks(
        betChecks: [PlayerProtection.betCheck], betFollowUps: [PlayerProtection.countPlay], winFollowUps: [PlayerProtection.countPlay])

    /// Deposits are not what these tests are about: no history to sum.
    struct NoMovements: MoneyMovementHistory {
        func movements(of player: PlayerID, since: Date, on connection: PostgresConnection) async throws -> [MoneyMovement] { [] }
        func otherPlayers(withDestination destination: String, gateway: String, besides player: PlayerID, on connection: PostgresConnection)
            async throws -> [PlayerID]
        { [] }
        func activePlayers(since: Date, on connection: PostgresConnection) async throws -> [PlayerID] { [] }
    }

    static func protection(_ harness: Hub88Harness) -> PlayerProtection {
        PlayerProtection(
            database: harness.database, ledger: harness.ledger, history: NoMovements(), observer: NoProtectionObserver(),
            logger: TestServices.logger)
    }

    static func auditIsClean(_ harness: Hub88Harness) async throws {
        let findings = try await LedgerAuditor(database: harness.database, logger: TestServices.logger).run()
        #expect(findings.allSatisfy { $0.violations == 0 }, "\(findings)")
    }

    @Test func betsPastALossLimitAreRefusedWithTheBalanceWhileWinsAndRollbacksSettle() async throws {
        try await Hub88Harness.with(hooks: Self.hooks) { h in
            let player = try await h.player()
            let token = try await h.launch(player, with: "acme")
            _ = try await Self.protection(h).setLimit(
                player: player, slot: LimitSlot(kind: .loss, period: .day, currency: "EUR"), amount: "10.00", actor: "player")

            let first = h.bet(player, token: token, amount: 600_000)
            #expect(try await h.call(.bet, "acme", first).status == .ok)
            let over = try await h.call(.bet, "acme", h.bet(player, token: token, amount: 500_000))
            #expect(over.status == .limitReached && over.balance == 9_400_000, "6.00 lost and 5.00 more would pass 10.00")

            #expect(try await h.call(.win, "acme", h.win(of: first, amount: 300_000)).status == .ok, "a win always settles")
            let second = h.bet(player, token: token, amount: 500_000)
            #expect(try await h.call(.bet, "acme", second).status == .ok, "net 3.00 lost, 5.00 more is 8.00")
            #expect(try await h.call(.rollback, "acme", h.rollback(of: second)).status == .ok, "a rollback always settles")
            #expect(
                try await h.call(.bet, "acme", h.bet(player, token: token, amount: 700_000)).status == .ok,
                "the rolled-back stake no longer counts: 3.00 + 7.00 reaches the limit exactly")
            let last = try await h.call(.bet, "acme", h.bet(player, token: token, amount: 1))
            #expect(last.status == .limitReached && last.balance == 9_000_000)
            try await Self.auditIsClean(h)
        }
    }

    @Test func anExcludedPlayersBetsAreRefusedButTheWinOfAnEarlierBetIsPaid() async throws {
        try await Hub88Harness.with(hooks: Self.hooks) { h in
            let player = try await h.player()
            let token = try await h.launch(player, with: "acme")
            let bet = h.bet(player, token: token, amount: 100_000)
            #expect(try await h.call(.bet, "acme", bet).status == .ok)
            try await Self.protection(h).exclude(player: player, term: .selfExclusion(months: 6), actor: "player")
            let refused = try await h.call(.bet, "acme", h.bet(player, token: token, amount: 100_000))
            #expect(refused.status == .userDisabled && refused.balance == 9_900_000)
            #expect(try await h.call(.win, "acme", h.win(of: bet, amount: 250_000)).status == .ok)
            #expect(try await h.balance(player) == 10_150_000)
            try await Self.auditIsClean(h)
        }
    }

    /// A free round is play too: an excluded player's free bet is refused as their paid one is,
    /// and a free bet stored before the exclusion still replays its answer (migration 0069;
    /// before, a free bet ran Games' and Identity's checks only).
    @Test(arguments: [ExclusionTerm.timeOut(days: 1), .selfExclusion(months: 6)])
    func anExcludedPlayersFreeBetIsRefused(term: ExclusionTerm) async throws {
        try await Hub88Harness.with(hooks: Self.hooks) { h in
            let player = try await h.player()
            let token = try await h.launch(player, with: "acme")
            let before = h.bet(player, token: token, amount: 0)
            let stored = try await h.call(.bet, "acme", before)
            #expect(stored.status == .ok, "a free bet before")
            try await Self.protection(h).exclude(player: player, term: term, actor: "player")
            for (name, bet) in [
                ("free-flagged", h.bet(player, token: token, amount: 100_000, free: true)),
                ("zero", h.bet(player, token: token, amount: 0)),
            ] {
                let refused = try await h.call(.bet, "acme", bet)
                #expect(refused.status == .userDisabled, "\(name)")
                #expect(refused.balance == Hub88Harness.funds, "\(name)")
            }
            #expect(try await h.call(.bet, "acme", before) == stored, "the free bet stored before replays its answer")
            #expect(try await h.rowCounts()["games_free_transactions"] == 1, "only the free bet before the exclusion is stored")
        }
    }

    /// A limit adds a free bet's stake of 0: it refuses one only when the player is past the limit
    /// already, here after lowering it below what they lost today (a lower limit applies at once).
    @Test func aFreeBetIsRefusedOnlyPastALimit() async throws {
        try await Hub88Harness.with(hooks: Self.hooks) { h in
            let player = try await h.player()
            let token = try await h.launch(player, with: "acme")
            let slot = LimitSlot(kind: .loss, period: .day, currency: "EUR")
            _ = try await Self.protection(h).setLimit(player: player, slot: slot, amount: "10.00", actor: "player")
            #expect(try await h.call(.bet, "acme", h.bet(player, token: token, amount: 800_000)).status == .ok)
            _ = try await Self.protection(h).setLimit(player: player, slot: slot, amount: "8.00", actor: "player")
            #expect(try await h.call(.bet, "acme", h.bet(player, token: token, amount: 0)).status == .ok, "at the limit, not past it")
            _ = try await Self.protection(h).setLimit(player: player, slot: slot, amount: "5.00", actor: "player")
            let refused = try await h.call(.bet, "acme", h.bet(player, token: token, amount: 0))
            #expect(refused.status == .limitReached && refused.balance == 9_200_000, "8.00 lost, past 5.00")
            try await Self.auditIsClean(h)
        }
    }

    /// A provider's retry racing its original past a wager limit: both wait on the player's lock
    /// in Compliance's check, the original applies and reaches the limit, and the retry must still
    /// get the original's answer (migration 0033), not `RS_ERROR_LIMIT_REACHED` for a bet whose
    /// money moved.
    @Test func aRetryRacingItsOriginalToTheLimitGetsTheOriginalsAnswer() async throws {
        try await Hub88Harness.with(hooks: Self.hooks) { h in
            let player = try await h.player()
            let token = try await h.launch(player, with: "acme")
            _ = try await Self.protection(h).setLimit(
                player: player, slot: LimitSlot(kind: .wager, period: .day, currency: "EUR"), amount: "1.00", actor: "player")
            let (uuid, round) = (UUID().uuidString, UUID().uuidString)
            let answers = try await h.database.withConnection { holder in
                // Holds the player's protection lock so that both calls pass the "not applied yet"
                // probe and then wait in the check; a bound, so a missing wait fails, not hangs.
                try await holder.query(
                    "SELECT pg_advisory_lock(hashtextextended('compliance.player:' || \(player.rawValue)::text, 0))",
                    logger: TestServices.logger
                ).collect()
                async let original = h.call(.bet, "acme", h.bet(player, token: token, amount: 100_000, round: round, uuid: uuid))
                async let retry = h.call(.bet, "acme", h.bet(player, token: token, amount: 100_000, round: round, uuid: uuid))
                let deadline = ContinuousClock.now + .seconds(30)
                while try await holder.query(
                    """
                    SELECT count(*)::int FROM pg_locks
                     WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                    """, logger: TestServices.logger
                ).collect().first?.decode(Int.self) ?? 0 < 2 {
                    try #require(ContinuousClock.now < deadline, "the two calls never both waited on the player's lock")
                    try await Task.sleep(for: .milliseconds(10))
                }
                try await holder.query(
                    "SELECT pg_advisory_unlock(hashtextextended('compliance.player:' || \(player.rawValue)::text, 0))",
                    logger: TestServices.logger
                ).collect()
                return try await [original, retry]
            }
            #expect(answers.map(\.status) == [.ok, .ok], "\(answers.map(\.status))")
            #expect(answers.map(\.balance) == [9_900_000, 9_900_000])
            #expect(try await h.balance(player) == 9_900_000, "one stake taken")
            try await Self.auditIsClean(h)
        }
    }
}
