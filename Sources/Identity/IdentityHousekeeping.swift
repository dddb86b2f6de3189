import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Deletes what sign-in leaves behind once it can no longer matter: rate-limit windows older
/// than a day, unfinished OpenID Connect flows, expired challenges and replay guards, and ended
/// sessions a month old; and blanks the bodies of sign-in mails never sent whose code and link
/// expired. The deletes and updates are idempotent, so two copies running it at once do no harm,
/// only double work: the process composing it runs it under the lease named `leaseName`
/// (`AdvisoryLease`), so one copy sweeps at a time.
public struct IdentityHousekeeping: Service {
    public static let leaseName = "identity-housekeeping"

    let database: Database
    let logger: Logger
    let interval: Duration

    public init(database: Database, logger: Logger, interval: Duration = .seconds(600)) {
        self.database = database
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        try await RepeatingJob("identity housekeeping", every: interval, logger: logger) { [self] in _ = try await sweep() }.run()
    }

    /// One round; returns how many rows each table lost.
    @discardableResult
    public func sweep(now: Date = Date()) async throws -> [String: Int] {
        let dayAgo = now.addingTimeInterval(-86_400)
        let monthAgo = now.addingTimeInterval(-30 * 86_400)
        return try await database.withConnection { connection in
            var removed: [String: Int] = [:]
            let statements: [(String, PostgresQuery)] = [
                (
                    "identity_rate_limits",
                    "WITH d AS (DELETE FROM identity_rate_limits WHERE window_start < \(dayAgo) RETURNING 1) SELECT count(*) FROM d"
                ),
                (
                    "identity_oidc_flows",
                    "WITH d AS (DELETE FROM identity_oidc_flows WHERE expires_at <= \(now) RETURNING 1) SELECT count(*) FROM d"
                ),
                (
                    "identity_auth_replays",
                    "WITH d AS (DELETE FROM identity_auth_replays WHERE expires_at <= \(now) RETURNING 1) SELECT count(*) FROM d"
                ),
                (
                    "identity_challenges",
                    "WITH d AS (DELETE FROM identity_challenges WHERE expires_at <= \(dayAgo) RETURNING 1) SELECT count(*) FROM d"
                ),
                (
                    "identity_sessions",
                    """
                    WITH d AS (DELETE FROM identity_sessions WHERE player_id IS NOT NULL AND (revoked_at < \(monthAgo) OR expires_at < \(monthAgo))
                    RETURNING 1) SELECT count(*) FROM d
                    """
                ),
                (
                    "identity_mail_outbox",
                    """
                    WITH d AS (UPDATE identity_mail_outbox SET text_body = '', html_body = '', purged_at = \(now)
                                WHERE purged_at IS NULL AND secret_expires_at <= \(now) RETURNING 1)
                    SELECT count(*) FROM d
                    """
                ),
                (
                    // A report's export still undelivered after a day is stale: its bytes go,
                    // its name stays (the mail says what it was).
                    "identity_mail_outbox attachments",
                    """
                    WITH d AS (UPDATE identity_mail_outbox SET attachment = NULL
                                WHERE attachment IS NOT NULL AND created_at <= \(dayAgo) RETURNING 1)
                    SELECT count(*) FROM d
                    """
                ),
            ]
            for (table, statement) in statements {
                for try await count in try await connection.query(statement, logger: logger).decode(Int.self) { removed[table] = count }
            }
            return removed
        }
    }
}
