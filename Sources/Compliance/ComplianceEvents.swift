import Foundation
import Logging
import Persistence
import PostgresNIO

/// Compliance's events for analytics (docs/events.md): the player's dimensions reports group by,
/// written on the transaction that changed them, after the change locked the player's row. Only
/// the country and the level leave: a legal name, a birth date or an address never do.
enum ComplianceEvents {
    /// `croupier.compliance.profile_changed`: the player's country after the change.
    struct ProfileChanged: Encodable, Sendable {
        let playerId: Int64
        let country: String?
    }

    /// `croupier.compliance.kyc_level_changed`: the player's KYC level after the change.
    struct LevelChanged: Encodable, Sendable {
        let playerId: Int64
        let level: Int
    }

    static func profileChanged(_ player: Int64, country: String?, on connection: PostgresConnection, logger: Logger) async throws {
        try await Outbox.append(
            subject: "croupier.compliance.profile_changed", payload: ProfileChanged(playerId: player, country: country), on: connection,
            logger: logger)
    }

    static func levelChanged(_ player: Int64, to level: Int, on connection: PostgresConnection, logger: Logger) async throws {
        try await Outbox.append(
            subject: "croupier.compliance.kyc_level_changed", payload: LevelChanged(playerId: player, level: level), on: connection,
            logger: logger)
    }
}
