import Foundation
import Logging
import Persistence
import PostgresNIO

/// Identity's events for analytics (docs/events.md), each written on the transaction that made
/// the change, after the change has locked the player's row, so that their outbox order is the
/// player's order. They carry no personal data: analytics needs a player's dimensions, not who
/// the player is.
enum PlayerEvents {
    /// `croupier.identity.player_registered`: a new account.
    struct Registered: Encodable, Sendable {
        let playerId: Int64
        let language: String
    }

    /// `croupier.identity.player_segments_changed`: every segment the player is in after the change.
    struct SegmentsChanged: Encodable, Sendable {
        let playerId: Int64
        let segments: [String]
    }

    static func registered(_ player: Int64, language: String, on connection: PostgresConnection, logger: Logger) async throws {
        try await Outbox.append(
            subject: "croupier.identity.player_registered", payload: Registered(playerId: player, language: language), on: connection,
            logger: logger)
    }

    static func segmentsChanged(_ player: Int64, to segments: [String], on connection: PostgresConnection, logger: Logger) async throws {
        try await Outbox.append(
            subject: "croupier.identity.player_segments_changed", payload: SegmentsChanged(playerId: player, segments: segments),
            on: connection, logger: logger)
    }
}
