import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A named group of players staff tag by hand (`vip`, `test_account`, …). The set is fixed in
/// code, so a typo cannot create a segment nobody targets; adding one is adding a `known` name
/// (the table accepts any lower-case name, so no migration is needed).
public struct PlayerSegment: RawRepresentable, Hashable, Sendable, Comparable {
    public let rawValue: String

    public init?(rawValue: String) {
        guard Self.known.contains(where: { $0.rawValue == rawValue }) else { return nil }
        self.rawValue = rawValue
    }

    private init(known: String) { rawValue = known }

    public static let vip = PlayerSegment(known: "vip")
    public static let testAccount = PlayerSegment(known: "test_account")
    public static let highRisk = PlayerSegment(known: "high_risk")
    public static let bonusAbuser = PlayerSegment(known: "bonus_abuser")

    /// Every segment staff may tag, in the order the console lists them.
    public static let known: [PlayerSegment] = [vip, testAccount, highRisk, bonusAbuser]

    public static func < (lhs: PlayerSegment, rhs: PlayerSegment) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Which players are in which segment (`identity_player_segments`). Other contexts (a bonus
/// campaign's eligibility) ask `isInSegment` or `players(in:)`; staff tag and untag from the
/// player's page, each change audited (`identity.player_tagged` / `identity.player_untagged`)
/// in the same transaction.
public struct PlayerSegments: Sendable {
    public let database: Database
    public let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// The player's segments, by name; empty for an unknown id.
    public func segments(of player: PlayerID) async throws -> [PlayerSegment] {
        try await database.withConnection { connection in try await segments(of: player, on: connection) }
    }

    /// `segments(of:)` on the caller's connection (a deposit's completion asks inside its
    /// transaction, which must not wait for a second pooled connection).
    public func segments(of player: PlayerID, on connection: PostgresConnection) async throws -> [PlayerSegment] {
        let rows = try await connection.query(
            "SELECT segment FROM identity_player_segments WHERE player_id = \(player.rawValue) ORDER BY segment", logger: logger)
        var segments: [PlayerSegment] = []
        for try await name in rows.decode(String.self) {
            if let segment = PlayerSegment(rawValue: name) { segments.append(segment) }
        }
        return segments
    }

    public func isInSegment(_ player: PlayerID, _ segment: PlayerSegment) async throws -> Bool {
        try await database.withConnection { connection in
            try await isInSegment(player, segment, on: connection)
        }
    }

    /// `isInSegment` on the caller's connection, so inside its transaction.
    public func isInSegment(_ player: PlayerID, _ segment: PlayerSegment, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM identity_player_segments WHERE player_id = \(player.rawValue) AND segment = \(segment.rawValue))
            """, logger: logger)
        for try await found in rows.decode(Bool.self) { return found }
        return false
    }

    /// Players in the segment, by id ascending, keyset-paged: pass the last id of a page as
    /// `after` for the next. At most 1000 a page.
    public func players(in segment: PlayerSegment, after: PlayerID? = nil, limit: Int = 1000) async throws -> [PlayerID] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT player_id FROM identity_player_segments
                 WHERE segment = \(segment.rawValue) AND player_id > \(after?.rawValue ?? 0)
                 ORDER BY player_id LIMIT \(max(1, min(limit, 1000)))
                """, logger: logger)
            var players: [PlayerID] = []
            for try await id in rows.decode(Int64.self) { players.append(PlayerID(id)) }
            return players
        }
    }

    /// Tags the player; tagging twice changes nothing and is not audited again.
    public func tag(_ player: PlayerID, _ segment: PlayerSegment, by acting: StaffActing) async throws {
        try await change(player, segment, by: acting, action: "identity.player_tagged") { connection in
            try await connection.query(
                """
                INSERT INTO identity_player_segments (player_id, segment, tagged_by) VALUES (\(player.rawValue), \(segment.rawValue), \(acting.actor))
                ON CONFLICT DO NOTHING RETURNING 1
                """, logger: logger
            ).collect().count
        }
    }

    /// Untags the player; untagging a segment they are not in changes nothing.
    public func untag(_ player: PlayerID, _ segment: PlayerSegment, by acting: StaffActing) async throws {
        try await change(player, segment, by: acting, action: "identity.player_untagged") { connection in
            try await connection.query(
                """
                DELETE FROM identity_player_segments WHERE player_id = \(player.rawValue) AND segment = \(segment.rawValue) RETURNING 1
                """, logger: logger
            ).collect().count
        }
    }

    private func change(
        _ player: PlayerID, _ segment: PlayerSegment, by acting: StaffActing, action: String,
        _ write: @escaping @Sendable (PostgresConnection) async throws -> Int
    ) async throws {
        try await database.withTransaction(logger: logger) { connection in
            _ = try await PlayerBlocks(database: database, logger: logger).disabledState(of: player, on: connection)
            guard try await write(connection) > 0 else { return }
            let segments = try await segments(of: player, on: connection).map(\.rawValue)
            try await PlayerEvents.segmentsChanged(player.rawValue, to: segments, on: connection, logger: logger)
            try await AuditLog(database: database, logger: logger).append(
                acting.entry(action, player, ["segment": segment.rawValue]), on: connection)
        }
    }
}
