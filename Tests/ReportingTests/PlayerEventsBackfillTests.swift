import Foundation
import Persistence
import PostgresNIO
import Schema
import TestSupport
import Testing

/// Players who registered, were tagged, gave a country or got a KYC level, and games catalogued,
/// before their contexts published these events get one event each when the schema is upgraded,
/// dated when it happened.
@Suite struct PlayerEventsBackfillTests {
    @Test func anUpgradePublishesTheStateOfEarlierPlayersDatedWhenItHappened() async throws {
        try await TestDatabase.withEmpty { database in
            let all = try MigrationSet.postgres()
            let before = try MigrationSet(engine: "postgres", migrations: all.migrations.filter { $0.version < 43 })
            _ = try await PostgresMigrator(database: database, migrations: before, logger: TestServices.logger).migrate()
            try await database.withConnection { connection in
                for statement in [
                    """
                    INSERT INTO identity_players (id, telegram_id, email, email_confirmed_at, adult_confirmed_at, terms_accepted_at, language,
                                                  created_at)
                    OVERRIDING SYSTEM VALUE VALUES (1, 11, 'one@example.test', now(), now(), now(), 'ru', '2025-03-01 10:00+00'),
                                                   (2, 22, 'two@example.test', now(), now(), now(), 'en', '2026-01-02 12:00+00')
                    """,
                    """
                    INSERT INTO identity_player_segments (player_id, segment, tagged_by, tagged_at)
                    VALUES (2, 'vip', 'staff:1', '2026-02-01 00:00+00'), (2, 'high_risk', 'staff:1', '2026-03-01 00:00+00')
                    """,
                    "INSERT INTO compliance_profiles (player_id, legal_name, country, updated_at) VALUES (1, 'Ada', 'DE', '2025-04-01 00:00+00')",
                    "INSERT INTO compliance_player_levels (player_id, level, set_by, set_at) VALUES (1, 2, 'staff:1', '2025-05-01 00:00+00')",
                    """
                    INSERT INTO games_providers (code, name, dialect, api_url, operator_id, credentials, provider_key_fingerprint,
                                                 operator_key_fingerprint)
                    VALUES ('acme', 'Acme', 'hub88', 'http://127.0.0.1:1', 1, '\\x00', 'p', 'o')
                    """,
                    """
                    INSERT INTO games_catalog (provider, code, name, category, updated_at)
                    VALUES ('acme', 'slot', 'Starburst', 'slots', '2025-06-01 00:00+00')
                    """,
                ] {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: TestServices.logger).collect()
                }
            }
            _ = try await PostgresMigrator(database: database, migrations: all, logger: TestServices.logger).migrate()
            let events = try await database.withConnection { connection in
                try await connection.query(
                    """
                    SELECT subject || ' ' || payload::text || ' ' || to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM outbox ORDER BY id
                    """, logger: TestServices.logger
                ).collect().map { try $0.decode(String.self) }
            }
            #expect(
                events == [
                    #"croupier.identity.player_registered {"language": "ru", "playerId": 1} 2025-03-01"#,
                    #"croupier.identity.player_registered {"language": "en", "playerId": 2} 2026-01-02"#,
                    #"croupier.identity.player_segments_changed {"playerId": 2, "segments": ["high_risk", "vip"]} 2026-03-01"#,
                    #"croupier.compliance.profile_changed {"country": "DE", "playerId": 1} 2025-04-01"#,
                    #"croupier.compliance.kyc_level_changed {"level": 2, "playerId": 1} 2025-05-01"#,
                    #"croupier.games.game_changed {"game": "slot", "name": "Starburst", "category": "slots", "provider": "acme"} 2025-06-01"#,
                ])
            let backlog = try await Outbox.backlog(in: database, logger: TestServices.logger)
            #expect(backlog.count == 6 && (backlog.oldest?.timeIntervalSinceNow ?? -3600) > -600, "written now: no year of lag")
        }
    }
}
