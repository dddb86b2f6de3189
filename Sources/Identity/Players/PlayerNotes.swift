import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A staff note about a player, as the player's back-office page shows it.
public struct PlayerNote: Sendable, Equatable {
    public let id: Int64
    /// `staff:<id>`, as in the audit log.
    public let author: String
    public let body: String
    public let createdAt: Date
}

/// Staff notes about a player (`identity_player_notes`): append-only, by the table's trigger
/// too, so a correction is a new note. Adding one is audited as `identity.player_note_added`.
public struct PlayerNotes: Sendable {
    public let database: Database
    public let logger: Logger
    public static let maxLength = 2000

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    @discardableResult
    public func add(_ rawBody: String, about player: PlayerID, by acting: StaffActing) async throws -> PlayerNote {
        let body = rawBody.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !body.isEmpty else { throw PlayerActionRefusal.reasonMissing }
        // Cut by code points, as PostgreSQL's length() in the table's check counts: a Swift
        // character (e + a combining accent) may be two.
        let text = String(String.UnicodeScalarView(body.unicodeScalars.prefix(Self.maxLength)))
        return try await database.withTransaction(logger: logger) { connection in
            _ = try await PlayerBlocks(database: database, logger: logger).disabledState(of: player, on: connection)
            let rows = try await connection.query(
                """
                INSERT INTO identity_player_notes (player_id, author, body) VALUES (\(player.rawValue), \(acting.actor), \(text))
                RETURNING id, created_at
                """, logger: logger)
            var note: PlayerNote?
            for try await (id, at) in rows.decode((Int64, Date).self) {
                note = PlayerNote(id: id, author: acting.actor, body: text, createdAt: at)
            }
            guard let note else { throw PlayerActionRefusal.notFound }
            try await AuditLog(database: database, logger: logger).append(
                acting.entry("identity.player_note_added", player, ["note": String(note.id)]), on: connection)
            return note
        }
    }

    /// Newest first.
    public func notes(of player: PlayerID, limit: Int = 100) async throws -> [PlayerNote] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT id, author, body, created_at FROM identity_player_notes WHERE player_id = \(player.rawValue)
                 ORDER BY id DESC LIMIT \(max(1, min(limit, 500)))
                """, logger: logger)
            var notes: [PlayerNote] = []
            for try await (id, author, body, at) in rows.decode((Int64, String, String, Date).self) {
                notes.append(PlayerNote(id: id, author: author, body: body, createdAt: at))
            }
            return notes
        }
    }
}
