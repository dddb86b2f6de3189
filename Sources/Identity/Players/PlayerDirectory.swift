import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// A player as the back office sees them: who they are on Telegram, how they sign in, and
/// whether they may play.
public struct PlayerRecord: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable {
        case active
        /// Blocked by staff (`PlayerBlocks`).
        case blocked
        /// Closed by another context (under 18, an AML case).
        case closed
    }

    public let id: PlayerID
    public let telegramID: Int64
    public let username: String?
    public let firstName: String
    public let lastName: String?
    public let email: String
    public let language: String
    public let registeredAt: Date
    public let emailConfirmedAt: Date
    public let disabledAt: Date?
    public let state: State
    /// The newest activity of any of their sessions; nil when they never signed in.
    public let lastSeenAt: Date?

    public var name: String { [firstName, lastName ?? ""].filter { !$0.isEmpty }.joined(separator: " ") }
}

/// What to look for: every field narrows the result; nil means "any".
public struct PlayerSearch: Sendable {
    /// An id or Telegram id (digits), an `@username` or username prefix, an e-mail prefix, or a
    /// part of the name. Matched as bound parameters, with LIKE's wildcards escaped.
    public var text: String?
    public var state: PlayerRecord.State?
    public var registeredFrom: Date?
    public var registeredUntil: Date?
    public var seenFrom: Date?
    public var seenUntil: Date?
    /// Players other contexts found (KYC level, country, balance), intersected.
    public var selection: PlayerSelection?
    /// Players older than this id (the previous page's `next`).
    public var before: PlayerID?
    public var limit: Int

    public static let maxLimit = 100

    public init(
        text: String? = nil, state: PlayerRecord.State? = nil, registeredFrom: Date? = nil, registeredUntil: Date? = nil,
        seenFrom: Date? = nil, seenUntil: Date? = nil, selection: PlayerSelection? = nil, before: PlayerID? = nil, limit: Int = 50
    ) {
        self.text = text
        self.state = state
        self.registeredFrom = registeredFrom
        self.registeredUntil = registeredUntil
        self.seenFrom = seenFrom
        self.seenUntil = seenUntil
        self.selection = selection
        self.before = before
        self.limit = limit
    }
}

public struct PlayerSearchPage: Sendable {
    public let players: [PlayerRecord]
    /// Pass as `before` for the next page; nil on the last.
    public let next: PlayerID?
}

/// The back office's view of players (`identity_players`): search and one player's record.
/// Newest players first, keyset-paged on the id so pages never skip or repeat.
public struct PlayerDirectory: Sendable {
    public let database: Database
    public let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    public func record(of player: PlayerID) async throws -> PlayerRecord? {
        try await search(PlayerSearch(selection: .only([player]), limit: 1)).players.first
    }

    public func search(_ search: PlayerSearch) async throws -> PlayerSearchPage {
        let limit = max(1, min(search.limit, PlayerSearch.maxLimit))
        let text = search.text?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        let number = text.allSatisfy(\.isNumber) ? Int64(text) : nil
        let words = text.isEmpty || number != nil ? nil : text.hasPrefix("@") ? String(text.dropFirst()) : text
        let prefix = words.map { Self.escapedLike($0) + "%" }
        let contains = words.map { "%" + Self.escapedLike($0) + "%" }
        var only: [Int64]?
        var except: [Int64]?
        switch search.selection {
        case .only(let players): only = players.map(\.rawValue)
        case .except(let players): except = players.map(\.rawValue)
        case nil: break
        }
        let query: PostgresQuery = """
            SELECT p.id, p.telegram_id, p.telegram_username, p.first_name, p.last_name, p.email, p.language, p.created_at,
                   p.email_confirmed_at, p.disabled_at, p.blocked, seen.at
              FROM identity_players p
              LEFT JOIN LATERAL (SELECT max(s.last_seen_at) AS at FROM identity_sessions s WHERE s.player_id = p.id) seen ON true
             WHERE (\(number)::bigint IS NULL OR p.id = \(number) OR p.telegram_id = \(number))
               AND (\(prefix)::text IS NULL OR lower(p.telegram_username) LIKE \(prefix) OR p.email LIKE \(prefix)
                    OR lower(p.first_name || ' ' || coalesce(p.last_name, '')) LIKE \(contains))
               AND (\(search.state?.rawValue)::text IS NULL
                    OR CASE WHEN p.blocked THEN 'blocked' WHEN p.disabled_at IS NOT NULL THEN 'closed' ELSE 'active' END = \(search.state?.rawValue))
               AND (\(search.registeredFrom)::timestamptz IS NULL OR p.created_at >= \(search.registeredFrom))
               AND (\(search.registeredUntil)::timestamptz IS NULL OR p.created_at < \(search.registeredUntil))
               AND (\(search.seenFrom)::timestamptz IS NULL OR seen.at >= \(search.seenFrom))
               AND (\(search.seenUntil)::timestamptz IS NULL OR seen.at < \(search.seenUntil))
               AND (\(only)::bigint[] IS NULL OR p.id = ANY(\(only)))
               AND (\(except)::bigint[] IS NULL OR p.id <> ALL(\(except)))
               AND (\(search.before?.rawValue)::bigint IS NULL OR p.id < \(search.before?.rawValue))
             ORDER BY p.id DESC
             LIMIT \(limit + 1)
            """
        return try await database.withConnection { connection in
            var players: [PlayerRecord] = []
            let rows = try await connection.query(query, logger: logger)
            for try await (id, telegram, username, first, last, email, language, registered, confirmed, disabledAt, blocked, seen)
                in rows.decode((Int64, Int64, String?, String, String?, String, String, Date, Date, Date?, Bool, Date?).self)
            {
                players.append(
                    PlayerRecord(
                        id: PlayerID(id), telegramID: telegram, username: username, firstName: first, lastName: last, email: email,
                        language: language, registeredAt: registered, emailConfirmedAt: confirmed, disabledAt: disabledAt,
                        state: blocked ? .blocked : disabledAt != nil ? .closed : .active, lastSeenAt: seen))
            }
            let more = players.count > limit
            if more { players.removeLast() }
            return PlayerSearchPage(players: players, next: more ? players.last?.id : nil)
        }
    }

    /// `text` with LIKE's wildcards and its escape character escaped, so `a_b` matches only `a_b`.
    static func escapedLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(
            of: "_", with: "\\_")
    }
}
