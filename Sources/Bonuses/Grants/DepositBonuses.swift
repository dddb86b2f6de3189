import Core
import Foundation
import Ledger
import Logging
import Persistence
import PostgresNIO

/// Deposit bonuses (docs/bonuses.md "Eligibility"): a code the player enters in the cashier
/// waits for their next completed deposit in that currency; a completed deposit then grants the
/// code's campaign, or else, on the player's first deposit, the newest enabled first-deposit
/// campaign in its currency. A campaign for one segment counts only for its members: the caller
/// passes the player's segments (Identity's). Runs in the deposit's completion transaction, so
/// the deposit and its bonus commit together.
public struct DepositBonuses: Sendable {
    let grants: Grants
    let logger: Logger

    public init(grants: Grants, logger: Logger) {
        self.grants = grants
        self.logger = logger
    }

    /// Keeps `code` for the player's next deposit in `currency`, replacing one entered before.
    /// Refused (`unknownCode`, nothing written) unless an enabled campaign in that currency has it
    /// and is for everyone or for one of the player's `segments`.
    public func enterCode(_ text: String, player: PlayerID, currency: String, segments: [String]) async throws {
        let code = text.trimmingCharacters(in: .whitespaces).uppercased()
        try await grants.database.withConnection { connection in
            let stored = try await connection.query(
                """
                INSERT INTO bonuses_codes_entered (player_id, currency, code)
                SELECT \(player.rawValue), \(currency), code FROM bonuses_campaigns
                 WHERE code = \(code) AND currency = \(currency) AND enabled AND (segment IS NULL OR segment = ANY(\(segments)))
                ON CONFLICT (player_id, currency) DO UPDATE SET code = EXCLUDED.code, entered_at = now()
                RETURNING code
                """, logger: logger)
            var found = false
            for try await _ in stored.decode(String.self) { found = true }
            guard found else { throw BonusCodeRefusal.unknownCode }
        }
    }

    /// The code waiting for the player's next deposit in `currency`, if any.
    public func enteredCode(player: PlayerID, currency: String) async throws -> String? {
        try await grants.database.withConnection { connection in
            let rows = try await connection.query(
                "SELECT code FROM bonuses_codes_entered WHERE player_id = \(player.rawValue) AND currency = \(currency)", logger: logger)
            for try await code in rows.decode(String.self) { return code }
            return nil
        }
    }

    /// Grants what a completed deposit earns, inside its completion transaction; nil for none.
    /// The code is claimed (deleted) here, so one code gives one bonus.
    public func depositCompleted(
        player: PlayerID, currency: String, units: Int64, depositID: String, firstDeposit: Bool, segments: [String],
        on connection: PostgresConnection
    ) async throws -> Grant? {
        let claimed = try await connection.query(
            "DELETE FROM bonuses_codes_entered WHERE player_id = \(player.rawValue) AND currency = \(currency) RETURNING code",
            logger: logger)
        var code: String?
        for try await value in claimed.decode(String.self) { code = value }
        let campaigns = try await Campaigns.list(
            """
            SELECT \(unescaped: Campaigns.columns) FROM bonuses_campaigns
             WHERE enabled AND currency = \(currency) AND (segment IS NULL OR segment = ANY(\(segments)))
               AND ((eligibility = 'code' AND code = \(code)) OR (eligibility = 'first_deposit' AND \(firstDeposit)))
             ORDER BY eligibility = 'code' DESC, segment IS NOT NULL DESC, id DESC LIMIT 1
            """, on: connection, logger: logger)
        guard let campaign = campaigns.first else { return nil }
        return try await grants.grant(campaign, to: player, depositUnits: units, source: "deposit:\(depositID)", on: connection)
    }
}

/// Why a bonus code was refused; nothing was written.
public enum BonusCodeRefusal: String, Error, Sendable, Equatable {
    case unknownCode
}
