import Bonuses
import Core
import Foundation
import Ledger
import Persistence
import TestSupport
import Testing

/// A test's clock, moved by hand: expiry is tested by moving it, never by sleeping.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current = Date(timeIntervalSince1970: 1_800_000_000)

    func now() -> Date { lock.withLock { current } }
    func advance(days: Double) { lock.withLock { current = current.addingTimeInterval(days * 86_400) } }
}

/// Bonuses on a fresh database with its ledger, a clock, and helpers that read like the
/// scenarios: amounts in whole euros (100 000 units), bets through the wallet's hooks as a Hub88
/// bet runs them. Audits the ledger and Bonuses' grants after every test.
struct BonusHarness {
    static let euro: Int64 = 100_000
    let database: Database
    let ledger: Ledger
    let clock = TestClock()
    var campaigns: Campaigns { Campaigns(database: database, ledger: ledger, logger: TestServices.logger) }
    /// The provider free-spin grants award their spins at.
    let rewards = FakeFreeRounds()
    var grants: Grants {
        Grants(database: database, ledger: ledger, logger: TestServices.logger, now: { [clock] in clock.now() }, freeRounds: rewards)
    }
    var deposits: DepositBonuses { DepositBonuses(grants: grants, logger: TestServices.logger) }
    let player = PlayerID(7)
    private let counter = Counter()

    static func with(_ body: (BonusHarness) async throws -> Void) async throws {
        try await TestDatabase.with { database in
            let harness = BonusHarness(database: database, ledger: Ledger(database: database, logger: TestServices.logger))
            try await body(harness)
            for finding in try await LedgerAuditor(database: database, logger: TestServices.logger).run() where finding.violations != 0 {
                throw AuditFailed(description: "invariant \(finding.invariant) (\(finding.name)): \(finding.violations) violations")
            }
            let bonuses = try await BonusAuditor(database: database, ledger: harness.ledger, logger: TestServices.logger).violations()
            if bonuses != 0 { throw AuditFailed(description: "\(BonusAuditor.name): \(bonuses) violations") }
        }
    }

    struct AuditFailed: Error, CustomStringConvertible { let description: String }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int {
            lock.withLock {
                value += 1
                return value
            }
        }
    }

    func key() -> IdempotencyKey { IdempotencyKey(scope: "test", key: "op-\(counter.next())") }

    /// The acceptance campaign of docs/bonuses.md: 100 % of the deposit up to 50.00, wagered ×10,
    /// at most 100.00 a bet, 30 days, at most 50.00 converted.
    func depositMatch(
        eligibility: Campaign.Eligibility = .firstDeposit, maxConversion: Int64? = 50, segment: String? = nil, name: String = "Welcome"
    ) async throws -> Campaign {
        let campaign = try await campaigns.create(
            CampaignTerms(
                name: name, currency: "EUR", kind: .depositMatch, matchPercent: 100, amountUnits: 50 * Self.euro,
                eligibility: eligibility, wageringMultiplier: 10, wageringBase: .bonus, maxBetUnits: 100 * Self.euro, expiryDays: 30,
                maxConversionUnits: maxConversion.map { $0 * Self.euro }, segment: segment))
        return try #require(try await campaigns.setEnabled(campaign.id, true))
    }

    /// A completed deposit as Payments completes it: the ledger's credit, then Bonuses, in one transaction.
    @discardableResult
    func deposit(_ euros: Int64, first: Bool = true, segments: [String] = []) async throws -> Grant? {
        let id = "dep-\(counter.next())"
        return try await database.withTransaction(logger: TestServices.logger) { connection in
            let credit = try await ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "test", key: id), player: player, currency: "EUR",
                    movement: .deposit(units: euros * Self.euro, gateway: .payments("sandbox"))),
                on: connection)
            guard credit.code == .ok else { throw AuditFailed(description: "deposit refused: \(credit.code)") }
            return try await deposits.depositCompleted(
                player: player, currency: "EUR", units: euros * Self.euro, depositID: id, firstDeposit: first, segments: segments,
                on: connection)
        }
    }

    /// A bet through Bonuses' hooks; answers its key and what happened.
    func bet(_ euros: Int64, game: String = "slot-fruits") async throws -> (IdempotencyKey, Ledger.HookedOutcome) {
        let key = key()
        let outcome = try await ledger.apply(
            LedgerOperation(key: key, player: player, currency: "EUR", movement: .bet(units: euros * Self.euro, house: .games("acme"))),
            checks: [BonusHooks.maxBetCheck], followUps: [BonusHooks.recordWager],
            hookArguments: ["currency": "EUR", "bet": String(euros * Self.euro), "game": game, "win": "0"])
        return (key, outcome)
    }

    @discardableResult
    func win(_ euros: Int64, on bet: IdempotencyKey) async throws -> Outcome {
        try await ledger.apply(
            LedgerOperation(
                key: key(), player: player, currency: "EUR", movement: .win(units: euros * Self.euro, house: .games("acme"), bet: bet)))
    }

    /// The player's real and bonus balances in whole euros (every figure here is whole).
    func balances() async throws -> (real: Int64, bonus: Int64) {
        let balances = try await ledger.balances(of: player)["EUR"] ?? .zero
        return (balances.real / Self.euro, balances.bonus / Self.euro)
    }

    func running() async throws -> Grant? { try await grants.active(of: player).first }
}
