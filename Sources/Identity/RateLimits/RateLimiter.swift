import Foundation
import Logging
import Persistence
import PostgresNIO

/// Counts attempts per bucket (`ip:1.2.3.4`, `email:a@b.c`, `telegram:42`) in fixed windows kept
/// in PostgreSQL, so a limit holds across every copy of the server.
public struct RateLimiter: Sendable {
    public struct Rule: Sendable {
        public let limit: Int
        public let window: TimeInterval

        public init(limit: Int, window: TimeInterval) {
            self.limit = limit
            self.window = window
        }

        /// Per client address on a sign-in endpoint.
        public static let perAddress = Rule(limit: 60, window: 60)
        /// Per account (e-mail or Telegram id).
        public static let perIdentity = Rule(limit: 10, window: 60)
    }

    public let database: Database
    public let logger: Logger

    public init(database: Database, logger: Logger) {
        self.database = database
        self.logger = logger
    }

    /// Counts one attempt; returns when the caller may try again if the limit is exceeded, nil otherwise.
    public func hit(_ bucket: String, rule: Rule, now: Date = Date()) async throws -> Date? {
        let start = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / rule.window).rounded(.down) * rule.window)
        let hits = try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                INSERT INTO identity_rate_limits (bucket, window_start, hits) VALUES (\(String(bucket.prefix(300))), \(start), 1)
                ON CONFLICT (bucket, window_start) DO UPDATE SET hits = identity_rate_limits.hits + 1
                RETURNING hits
                """, logger: logger)
            var count = 0
            for try await value in rows.decode(Int.self) { count = value }
            return count
        }
        return hits > rule.limit ? start.addingTimeInterval(rule.window) : nil
    }
}
