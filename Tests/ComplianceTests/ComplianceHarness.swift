import Compliance
import Core
import Foundation
import Identity
import Ledger
import Logging
import Payments
import Persistence
import PostgresNIO
import Synchronization
import TestSupport
import Testing

/// A fresh database with Compliance's KYC over it, Payments' real movement history, and a clock
/// the test sets.
struct ComplianceHarness {
    let database: Database
    let ledger: Ledger
    let kyc: KYC
    let clock: TestClock
    let logger = TestServices.logger

    static let secret = SecretKey(hex: String(repeating: "0a", count: 32))!

    static func with(_ body: (ComplianceHarness) async throws -> Void) async throws {
        try await TestDatabase.with { database in
            let ledger = Ledger(database: database, logger: TestServices.logger)
            let clock = TestClock()
            let kyc = KYC(
                database: database, ledger: ledger, secret: secret, pivot: "EUR",
                history: PaymentsMovementHistory(logger: TestServices.logger),
                logger: TestServices.logger, now: { clock.now })
            try await body(ComplianceHarness(database: database, ledger: ledger, kyc: kyc, clock: clock))
        }
    }

    /// A signed-up player, as Identity makes them (e-mail confirmed): KYC level L0.
    func player() async throws -> PlayerID {
        let id = try await strings(
            """
            INSERT INTO identity_players (telegram_id, email, email_confirmed_at, adult_confirmed_at, terms_accepted_at, language)
            VALUES (\(Int.random(in: 1...1_000_000_000)), 'p\(Int.random(in: 1...1_000_000_000))@example.test', now(), now(), now(), 'en')
            RETURNING id::text
            """
        ).first.flatMap { Int64($0) }
        return PlayerID(try #require(id))
    }

    /// A deposit as Payments writes it when the player asks (state `created`), asked for at `at`.
    func depositAsked(_ player: PlayerID, units: Int64, currency: String, at: Date, on connection: PostgresConnection? = nil) async throws {
        let id = "dep_" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(22))
        let query: PostgresQuery = """
            INSERT INTO payments_deposits (public_id, player_id, gateway, currency, units, gateway_units, created_at)
            VALUES (\(id), \(player.rawValue), 'sandbox', \(currency), \(units), \(units / 1000), \(at))
            """
        if let connection {
            try await connection.query(query, logger: logger).collect()
        } else {
            try await database.withConnection { try await $0.query(query, logger: logger).collect() }
        }
    }

    /// A withdrawal as Payments leaves it once held and approved, asked for at `at`.
    func withdrawalHeld(_ player: PlayerID, units: Int64, at: Date, on connection: PostgresConnection) async throws {
        let id = "wdr_" + String(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(22))
        try await connection.query(
            """
            INSERT INTO payments_withdrawals (public_id, player_id, gateway, currency, units, fee_units, payout_gateway_units, destination,
                                              state, created_at)
            VALUES (\(id), \(player.rawValue), 'sandbox', 'EUR', \(units), 0, \(units / 1000), 'DE-4400-1234', 'approved', \(at))
            """, logger: logger
        ).collect()
    }

    func count(_ sql: String) async throws -> Int {
        try await strings(sql).first.flatMap { Int($0) } ?? -1
    }

    func strings(_ sql: String) async throws -> [String] {
        try await database.withConnection { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger)
            var values: [String] = []
            for try await value in rows.decode(String.self) { values.append(value) }
            return values
        }
    }

    /// An adult's profile, enough for L1.
    func fillL1Profile(_ player: PlayerID, dateOfBirth: String = "1990-04-01") async throws {
        _ = try await kyc.profiles.update(
            ProfileChanges(legalName: "Ada Lovelace", dateOfBirth: dateOfBirth, country: "GB"), of: player)
    }
}
