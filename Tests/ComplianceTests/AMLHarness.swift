import Compliance
import Core
import Foundation
import Identity
import Ledger
import Logging
import Persistence
import PostgresNIO
import Synchronization
import TestSupport
import Testing

/// Payments' history as the test writes it: the rules read these movements, whatever the
/// database holds.
final class ScriptedHistory: MoneyMovementHistory {
    private let state = Mutex<(movements: [MoneyMovement], others: [PlayerID])>(([], []))

    func add(_ movement: MoneyMovement) { state.withLock { $0.movements.append(movement) } }
    func sharesDestination(with others: [PlayerID]) { state.withLock { $0.others = others } }

    func movements(of player: PlayerID, since: Date, on connection: PostgresConnection) async throws -> [MoneyMovement] {
        state.withLock { $0.movements.filter { $0.player == player && $0.requestedAt >= since }.sorted { $0.requestedAt < $1.requestedAt } }
    }

    func otherPlayers(withDestination destination: String, gateway: String, besides player: PlayerID, on connection: PostgresConnection)
        async throws -> [PlayerID]
    {
        state.withLock { $0.others }
    }

    func activePlayers(since: Date, on connection: PostgresConnection) async throws -> [PlayerID] {
        state.withLock { Array(Set($0.movements.filter { $0.requestedAt >= since }.map(\.player))).sorted { $0.rawValue < $1.rawValue } }
    }
}

/// The player's country, as the test says.
final class ScriptedCountries: ResidenceCountries {
    private let value = Mutex<String?>(nil)
    func set(_ country: String?) { value.withLock { $0 = country } }
    func country(of player: PlayerID, on connection: PostgresConnection) async throws -> String? { value.withLock { $0 } }
}

/// What a closing case asked Payments to do.
final class RecordedWithdrawals: AMLHeldWithdrawals {
    let calls = Mutex<[String]>([])
    func release(player: PlayerID, staff: Int64, on connection: PostgresConnection) async throws -> [String] {
        calls.withLock { $0.append("release:\(player)") }
        return []
    }
    func reject(player: PlayerID, staff: Int64, reason: String, on connection: PostgresConnection) async throws -> [String] {
        calls.withLock { $0.append("reject:\(player)") }
        return []
    }
}

/// The AML engine on a fresh database with a scripted history, rates from `compliance_fx_rates`
/// (USD at 0.93 EUR from the epoch) and a fixed clock; the ledger's audit runs after each test.
struct AMLHarness {
    let database: Database
    let ledger: Ledger
    let history: ScriptedHistory
    let countries: ScriptedCountries
    let engine: AMLEngine
    let cases: AMLCases
    let alerts: AMLAlerts
    let rules: AMLRuleStore
    let now: Date
    static let player = PlayerID(1)
    static let staff = ComplianceActor(staffID: 42, ip: "127.0.0.1", requestID: "test")

    static func with(usdRate: String? = "0.93", _ body: (AMLHarness) async throws -> Void) async throws {
        try await TestDatabase.with { database in
            let ledger = Ledger(database: database, logger: TestServices.logger)
            let history = ScriptedHistory()
            let countries = ScriptedCountries()
            let now = Date()
            if let usdRate {
                try await database.withConnection { try await TestPivotConversion.setRate("USD", usdRate, on: $0) }
            }
            let harness = AMLHarness(
                database: database, ledger: ledger, history: history, countries: countries,
                engine: AMLEngine(
                    history: history, conversion: TestPivotConversion(), ledger: ledger, countries: countries, logger: TestServices.logger,
                    now: { now }),
                cases: AMLCases(database: database, ledger: ledger, logger: TestServices.logger),
                alerts: AMLAlerts(database: database, logger: TestServices.logger),
                rules: AMLRuleStore(database: database, logger: TestServices.logger), now: now)
            try await body(harness)
            let findings = try await LedgerAuditor(database: database, logger: TestServices.logger).run()
            #expect(findings.allSatisfy { $0.violations == 0 }, "\(findings)")
            let chain = try await AuditLog(database: database, logger: TestServices.logger).verify()
            #expect(chain.firstBroken == nil)
        }
    }

    /// A completed deposit `hoursAgo` before now, of `amount` (decimal, 5 decimals in the ledger).
    @discardableResult
    func deposit(
        _ amount: String, _ currency: String = "EUR", hoursAgo: Double = 1, gateway: String = "sandbox", player: PlayerID = player
    ) throws -> MoneyMovement {
        let at = now.addingTimeInterval(-hoursAgo * 3600)
        let movement = MoneyMovement(
            direction: .deposit, reference: "dep_\(UUID().uuidString.prefix(8))", player: player, gateway: gateway, currency: currency,
            units: try Amount.units(fromDecimal: amount, scale: 5), stage: .completed, requestedAt: at.addingTimeInterval(-60),
            completedAt: at, destination: nil)
        history.add(movement)
        return movement
    }

    /// The engine's deposit rules for `movement`, in a transaction as Payments' completion runs them.
    func complete(_ movement: MoneyMovement) async throws -> [AMLAlert] {
        try await database.withTransaction(logger: TestServices.logger) { connection in
            try await engine.evaluateDeposit(movement.reference, of: movement.player, on: connection)
        }
    }

    func withdraw(_ amount: String, _ currency: String = "EUR", destination: String = "DE-1", at: Date? = nil, reference: String? = nil)
        async throws -> AMLWithdrawalDecision
    {
        let facts = WithdrawalFacts(
            player: Self.player, gateway: "sandbox", currency: currency, units: try Amount.units(fromDecimal: amount, scale: 5),
            completedDeposits: 1, reference: reference ?? "wdr_\(UUID().uuidString.prefix(8))", destination: destination,
            requestedAt: at ?? now)
        return try await database.withTransaction(logger: TestServices.logger) { connection in
            try await engine.withdrawalRequested(facts, on: connection)
        }
    }

    func scan(since hours: Double = 24) async throws -> [AMLAlert] {
        try await AMLScan(
            database: database, engine: engine, history: history, logger: TestServices.logger, lookback: hours * 3600, now: { now }
        ).runOnce()
    }

    /// Stakes of `amount` EUR by the player now (a bet after a credit to bet with).
    func stake(_ amount: String, player: PlayerID = player) async throws {
        let units = try Amount.units(fromDecimal: amount, scale: 5)
        for movement in [Movement.adjustment(units: units), .bet(units: units, house: .games("test"))] {
            let outcome = try await ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "test", key: UUID().uuidString), player: player, currency: "EUR", movement: movement))
            try #require(outcome.code == .ok)
        }
    }

    func rule(_ code: AMLRuleCode) async throws -> AMLRule { try #require(try await rules.all().first { $0.code == code }) }

    func auditActions() async throws -> [String] {
        try await database.withConnection { connection in
            var actions: [String] = []
            let rows = try await connection.query("SELECT action FROM identity_audit_log ORDER BY id", logger: TestServices.logger)
            for try await action in rows.decode(String.self) { actions.append(action) }
            return actions
        }
    }
}
