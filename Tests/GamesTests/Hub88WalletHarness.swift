import Core
import CryptoExtras
import Foundation
import Identity
import Ledger
import Persistence
import PostgresNIO
import TestSupport
import Testing

@testable import Games

/// The Hub88 wallet on a fresh database with two providers, `acme` and `rival`, each offering
/// the game `slot` in EUR. Calls go to the wallet as if their signature held (these are unit
/// tests of the wallet; the signature itself is tested with independently signed requests in
/// e2e/test_hub88_conformance.py).
struct Hub88Harness: Sendable {
    let database: Database
    let ledger: Ledger
    let sessions: GameSessions
    let registry: ProviderRegistry
    let wallet: Hub88Wallet

    /// 100.00 EUR, in ledger (and Hub88) units.
    static let funds: Int64 = 10_000_000

    /// `hooks`: other contexts' checks and follow-ups, as the App composes them. `batched`: the
    /// wallet's ledger calls go through group commit, as `serve`'s do.
    static func with<T: Sendable>(hooks: WalletHooks = .none, batched: Bool = false, _ body: (Hub88Harness) async throws -> T)
        async throws -> T
    {
        try await TestDatabase.with { database in
            let logger = TestServices.logger
            let directory = ProviderDirectory(database: database, secret: .random(), logger: logger)
            let ledger = Ledger(database: database, logger: logger).batching(
                LedgerBatchSettings(windowMicroseconds: batched ? 500 : 0))
            let registry = ProviderRegistry(directory: directory, ledger: ledger)
            for code in ["acme", "rival"] {
                try await ProviderRegistryTests.addProvider(code, to: directory)
                try await directory.upsert([Game(provider: code, code: "slot", name: "Slot", category: "slots")])
            }
            let sessions = GameSessions(database: database, logger: logger)
            let wallet = Hub88Wallet(
                registry: registry, sessions: sessions, ledger: ledger, players: PlayerStatuses(database: database, logger: logger),
                rounds: GameRounds(database: database, logger: logger), database: database, hooks: hooks,
                logger: logger)
            return try await body(
                Hub88Harness(database: database, ledger: ledger, sessions: sessions, registry: registry, wallet: wallet))
        }
    }

    /// A confirmed player holding `funds` EUR.
    func player(funds: Int64 = Self.funds) async throws -> PlayerID {
        let telegram = Int64.random(in: 1...Int64(Int32.max))
        let id: Int64 = try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                INSERT INTO identity_players (telegram_id, email, email_confirmed_at, adult_confirmed_at, terms_accepted_at)
                VALUES (\(telegram), \("p\(telegram)@example.test"), now(), now(), now()) RETURNING id
                """, logger: TestServices.logger)
            for try await id in rows.decode(Int64.self) { return id }
            throw Hub88HarnessError.noPlayer
        }
        let player = PlayerID(id)
        if funds > 0 {
            _ = try await ledger.apply(
                LedgerOperation(
                    key: IdempotencyKey(scope: "test", key: "deposit-\(id)"), player: player, currency: "EUR",
                    movement: .deposit(units: funds, gateway: .payments("sandbox"))))
        }
        return player
    }

    func launch(_ player: PlayerID, with provider: String, now: Date = Date()) async throws -> String {
        try await sessions.start(player: player, provider: provider, gameCode: "slot", currency: "EUR", now: now)
    }

    /// The wallet's answer to `fields` sent by `provider` to `endpoint`.
    func call(_ endpoint: Hub88Endpoint, _ provider: String, _ fields: [String: Any]) async throws -> Hub88Answer {
        let body = Array(try JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]))
        let entry = try #require(try await registry.entry(provider))
        do {
            return try await wallet.answer(signed: body, endpoint: endpoint, entry: entry)
        } catch let refusal as Hub88Wallet.Refusal {
            return Hub88Answer(refusal.status)
        }
    }

    /// `times` copies of one call sent at once, each with a request_uuid of its own: their answers.
    func twins(_ endpoint: Hub88Endpoint, _ provider: String, _ fields: [String: Any], times: Int) async throws -> [Hub88Answer] {
        // The body travels into each task as JSON: a dictionary of Any is not Sendable.
        let body = try JSONSerialization.data(withJSONObject: fields)
        return try await withThrowingTaskGroup(of: Hub88Answer.self) { group in
            for _ in 0..<times {
                group.addTask {
                    var twin = try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
                    twin["request_uuid"] = UUID().uuidString
                    return try await call(endpoint, provider, twin)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    func bet(
        _ player: PlayerID, token: String, amount: Int64, round: String = UUID().uuidString, closed: Bool = false, free: Bool = false,
        uuid: String = UUID().uuidString
    ) -> [String: Any] {
        [
            "user": String(player.rawValue), "transaction_uuid": uuid, "token": token, "round": round, "round_closed": closed,
            "request_uuid": UUID().uuidString, "game_code": "slot", "currency": "EUR", "amount": amount, "is_free": free,
        ]
    }

    /// The win settling `bet` (a bet's fields), in the bet's round.
    func win(of bet: [String: Any], amount: Int64, closed: Bool = true, uuid: String = UUID().uuidString) -> [String: Any] {
        var win = bet
        win["transaction_uuid"] = uuid
        win["reference_transaction_uuid"] = bet["transaction_uuid"]
        win["request_uuid"] = UUID().uuidString
        win["amount"] = amount
        win["round_closed"] = closed
        win["is_free"] = nil
        return win
    }

    func rollback(of transaction: [String: Any], uuid: String = UUID().uuidString) -> [String: Any] {
        [
            "user": transaction["user"] ?? "", "transaction_uuid": uuid,
            "reference_transaction_uuid": transaction["transaction_uuid"] ?? "", "request_uuid": UUID().uuidString,
            "round": transaction["round"] ?? "", "round_closed": true, "game_code": "slot",
        ]
    }

    func balance(_ player: PlayerID) async throws -> Int64 {
        let balances = try await ledger.balances(of: player)["EUR"] ?? .zero
        return balances.real + balances.bonus
    }

    /// nil while the round is open (or unknown), else whether it is closed.
    func roundClosed(_ provider: String, _ round: String) async throws -> Bool? {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT closed_at IS NOT NULL FROM games_rounds WHERE provider = \(provider) AND round = \(round)",
                logger: TestServices.logger)
            for try await closed in rows.decode(Bool.self) { return closed }
            return nil
        }
    }

    /// Rows a call can write: rounds, free-call records, ledger accounts, transactions, transfers
    /// and outbox events, and tombstones (the one documented exception for refusals).
    func rowCounts() async throws -> [String: Int] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT (SELECT count(*) FROM games_rounds)::int, (SELECT count(*) FROM games_free_transactions)::int,
                       (SELECT count(*) FROM ledger_accounts)::int, (SELECT count(*) FROM ledger_transactions)::int,
                       (SELECT count(*) FROM ledger_transfers)::int, (SELECT count(*) FROM outbox)::int,
                       (SELECT count(*) FROM ledger_tombstones)::int
                """, logger: TestServices.logger)
            for try await (rounds, free, accounts, transactions, transfers, outbox, tombstones) in rows.decode(
                (Int, Int, Int, Int, Int, Int, Int).self)
            {
                return [
                    "games_rounds": rounds, "games_free_transactions": free, "ledger_accounts": accounts,
                    "ledger_transactions": transactions, "ledger_transfers": transfers, "outbox": outbox, "ledger_tombstones": tombstones,
                ]
            }
            return [:]
        }
    }
}

enum Hub88HarnessError: Error {
    case noPlayer
}
