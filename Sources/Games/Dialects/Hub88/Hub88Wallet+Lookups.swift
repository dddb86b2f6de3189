import Core
import Crypto
import Foundation
import Ledger
import Logging
import Persistence
import PostgresNIO

/// What the wallet reads besides the ledger's own call, and how it parses what it is sent.
extension Hub88Wallet {
    func hasPlayed(_ player: PlayerID, with provider: String) async throws -> Bool {
        try await database.withConnection { connection in
            try await connection.query(
                "SELECT 1 FROM games_sessions WHERE player_id = \(player.rawValue) AND provider = \(provider) LIMIT 1", logger: logger
            ).collect().count > 0
        }
    }

    func refusalView(_ player: PlayerID, provider: String, currency: String) async throws -> WalletStatements.RefusalView.Row {
        try await row(of: WalletStatements.RefusalView(player: player.rawValue, provider: provider, currency: currency))
    }

    /// The one row a Games function answers a wallet statement with.
    func row<Statement: PostgresPreparedStatement>(of statement: Statement) async throws -> Statement.Row where Statement.Row: Sendable {
        try await database.withConnection { connection in
            for try await row in try await connection.execute(statement, logger: logger) { return row }
            throw LedgerError.unexpectedResult("no row from \(Statement.sql)")
        }
    }

    /// A day as Hub88's `registration_date` wants it: YYYY-MM-DD in UTC.
    static func day(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    /// For a rollback of a bet we never saw: the currency of the token's session with this
    /// provider (whoever's it is, as the token names it), else of the player's most recent one,
    /// each an index probe, and whether the player has played with the
    /// provider (which the rollback's answer, a refusal, needs), in one statement. Only this
    /// provider's sessions count: another provider's would tell it which currency the player uses
    /// elsewhere.
    func currencyOfRollback(_ player: PlayerID, token: String?, provider: String) async throws -> (currency: String?, played: Bool) {
        // A token no session can have (GameSessions.session's bounds) names none.
        let hash = token.flatMap { (1...255).contains($0.utf8.count) ? GameSessions.hash($0) : nil }
        return try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT coalesce((SELECT currency FROM games_sessions WHERE token_hash = \(hash) AND provider = \(provider)),
                                (SELECT currency FROM games_sessions WHERE player_id = \(player.rawValue) AND provider = \(provider)
                                  ORDER BY created_at DESC LIMIT 1)),
                       EXISTS (SELECT 1 FROM games_sessions WHERE player_id = \(player.rawValue) AND provider = \(provider))
                """, logger: logger)
            for try await (currency, played) in rows.decode((String?, Bool).self) { return (currency, played) }
            throw LedgerError.unexpectedResult("no row from the rollback's session lookup")
        }
    }

    // MARK: - Parsing

    /// A player id is our `user`; anything that is not one names nobody.
    static func player(_ user: String) -> PlayerID? {
        guard user.utf8.count <= 19, user.allSatisfy(\.isASCII), let id = Int64(user), id > 0 else { return nil }
        return PlayerID(id)
    }

    struct Refusal: Error {
        let status: Hub88Status
    }

    /// Malformed JSON or a missing field is WRONG_SYNTAX; a field of the wrong type is WRONG_TYPES.
    static func decode<T: Decodable>(_ type: T.Type, _ body: [UInt8]) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch DecodingError.keyNotFound, DecodingError.valueNotFound {
            throw Refusal(status: .wrongSyntax)
        } catch {
            // Well-formed JSON with every field present, yet undecodable: a field has the wrong
            // type (a string amount, a fractional one, "yes" for a boolean).
            let isObject = (try? JSONSerialization.jsonObject(with: Data(body))) is [String: Any]
            throw Refusal(status: isObject ? .wrongTypes : .wrongSyntax)
        }
    }

    /// The request_uuid of a body we refuse, to echo it, if there is one to find.
    static func requestUUID(in body: [UInt8]) -> String? {
        guard body.count <= 1 << 16, let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else { return nil }
        return (object["request_uuid"] as? String).map { String($0.prefix(200)) }
    }
}
