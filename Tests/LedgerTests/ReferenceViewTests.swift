import Core
import Foundation
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// `ledger_reference_view_v1` (Ledger's SQL API, migration 0064) answers in one statement what
/// `operation(_:)`, `rollbackState(of:)` and `balances(of:)` answer apart.
@Suite struct ReferenceViewTests {
    let games = HouseAccount.games("acme")

    /// Other contexts call the function by the name Ledger hands them.
    @Test func theNameLedgerGivesIsTheFunction() async throws {
        try await LedgerHarness.with { h in
            let signature = "\(Ledger.referenceViewFunction)(text, text, bigint, text)"
            let found = try await h.database.withConnection { connection in
                try await connection.query("SELECT to_regprocedure(\(signature)) IS NOT NULL", logger: TestServices.logger)
                    .collect().map { try $0.decode(Bool.self) }
            }
            #expect(found == [true], "\(signature)")
        }
    }

    @Test func itAgreesWithTheSeparateLookupsThroughABetsLife() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: .payments("sandbox")))
            let bet = h.nextKey()
            try await expectAgreement(h, bet, player: 1)
            try await h.apply(.bet(units: 300, house: games), key: bet, metadata: ["round": "r1"])
            let view = try await expectAgreement(h, bet, player: 1)
            #expect(view.operation?.units == 300 && view.operation?.metadata == ["round": "r1"])
            #expect(view.balances == Balances(real: 700, bonus: 0, locked: 0))
            try await h.apply(.rollback(of: bet))
            #expect(try await expectAgreement(h, bet, player: 1).rollback == .rolledBack)
            #expect(try await expectAgreement(h, bet, player: 2).balances == .zero)
        }
    }

    @Test func aKeyRolledBackBeforeItsBetIsRefusedInAdvance() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: .payments("sandbox")))
            let bet = h.nextKey()
            try await h.apply(.rollback(of: bet))
            let view = try await expectAgreement(h, bet, player: 1)
            #expect(view.operation == nil && view.rollback == .refusedInAdvance)
        }
    }

    /// An empty key names no operation (the ledger refuses one, `invalidKey`): the view then
    /// answers the balances alone, as a free bet's function reads them (migration 0069).
    @Test func anEmptyKeyAnswersTheBalancesAlone() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: .payments("sandbox")))
            let view = try await view(h, IdempotencyKey(scope: "", key: ""), player: 1)
            #expect(view.operation == nil && view.rollback == .notRolledBack)
            #expect(view.balances == Balances(real: 1_000, bonus: 0, locked: 0))
        }
    }

    struct View {
        var operation: Ledger.RecordedOperation?
        var rollback: Ledger.RollbackState
        var balances: Balances
    }

    /// The function's one row, read as its callers' SQL reads it.
    func view(_ h: LedgerHarness, _ key: IdempotencyKey, player: Int64) async throws -> View {
        try await h.database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT kind, player_id, currency, units, metadata::text, applied_at, tombstoned, rolled_back,
                       real_balance, bonus_balance, locked_balance
                  FROM ledger_reference_view_v1(\(key.scope), \(key.key), \(player), 'EUR')
                """, logger: TestServices.logger)
            var views: [View] = []
            for try await (kind, owner, currency, units, metadata, appliedAt, tombstoned, rolledBack, real, bonus, locked) in rows.decode(
                (String?, Int64?, String?, Int64?, String?, Date?, Bool, Bool, Int64, Int64, Int64).self)
            {
                var operation: Ledger.RecordedOperation?
                if let kind, let owner, let currency, let units, let metadata, let appliedAt {
                    operation = Ledger.RecordedOperation(
                        kind: kind, player: PlayerID(owner), currency: currency, units: units,
                        metadata: try JSONDecoder().decode([String: String].self, from: Data(metadata.utf8)), appliedAt: appliedAt)
                }
                views.append(
                    View(
                        operation: operation, rollback: tombstoned ? .refusedInAdvance : rolledBack ? .rolledBack : .notRolledBack,
                        balances: Balances(real: real, bonus: bonus, locked: locked)))
            }
            #expect(views.count == 1, "one row, whatever the key names")
            return try #require(views.first)
        }
    }

    @discardableResult
    func expectAgreement(_ h: LedgerHarness, _ key: IdempotencyKey, player: Int64) async throws -> View {
        let view = try await view(h, key, player: player)
        #expect(view.operation == (try await h.ledger.operation(key)))
        #expect(view.rollback == (try await h.ledger.rollbackState(of: key)))
        #expect(view.balances == (try await h.balances(player)))
        return view
    }
}
