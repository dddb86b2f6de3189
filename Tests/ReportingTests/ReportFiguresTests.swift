import Core
import Events
import Foundation
import Ledger
import Persistence
import TestSupport
import Testing

@testable import Reporting

/// A report's figures are the ledger's: play on two providers (bets, wins, a bet and a win rolled
/// back) and deposits go through the relay and the loader, and the report's turnover, GGR,
/// deposits and active players by day and provider equal the same figures computed from the
/// PostgreSQL ledger, where a rollback is told by what it names rather than by its sign.
@Suite struct ReportFiguresTests {
    @Test(.timeLimit(.minutes(10))) func turnoverGGRDepositsAndActivePlayersByDayAndProviderEqualTheLedgers() async throws {
        try await TestDatabase.with { database in
            try await TestClickHouse.with { clickHouse in
                let server = try PrivateNATSServer()
                try await server.start()
                let link = NATSLink(url: server.url, connectTimeout: .seconds(5))
                let stream = EventStream(name: "REPORTS")
                let relay = OutboxRelay(database: database, link: link, stream: stream, logger: TestServices.logger)
                let loader = EventLoader(link: link, stream: stream, clickHouse: clickHouse, valuation: nil, logger: TestServices.logger)
                try await Self.play(Ledger(database: database, logger: TestServices.logger))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await relay.run() }
                    group.addTask { try await loader.run() }
                    try await EventLoaderTests.waitUntilLoaded(database: database, clickHouse: clickHouse)
                    group.cancelAll()
                }
                await link.close()

                let today = ReportCompiler.text(Date())
                let runner = ReportRunner(clickHouse: clickHouse, scales: ["EUR": 5], pivot: "EUR")
                let table = try await runner.run(
                    ReportSpec(
                        measures: ["turnover", "ggr", "deposits", "active_players", "arpu"], dimensions: ["time", "provider"],
                        filters: [.init(dimension: "currency", values: ["EUR"])], from: .init(today), to: .init(today)))
                #expect(table.columns == ["time", "provider", "turnover", "ggr", "deposits", "active_players", "arpu"])
                let expected = try await Self.ledgerFigures(database)
                #expect(table.rows.count == 3, "the gateway's row and one per provider")
                #expect(table.rows == expected)
                // A row where nothing was staked (the deposits' gateway) has no ratio, and no error.
                let ratios = try await runner.run(
                    ReportSpec(measures: ["rtp", "hold"], dimensions: ["provider"], from: .init(today), to: .init(today)))
                #expect(ratios.rows.first { $0[0] == "" }?.dropFirst() == ["", ""])
                #expect(ratios.rows.filter { $0[0] != "" }.allSatisfy { !$0[1].isEmpty && !$0[2].isEmpty })
            }
        }
    }

    /// Six players deposit; on two providers they bet and win; one bet and one win are rolled back.
    static func play(_ ledger: Ledger) async throws {
        var step = 0
        func apply(_ player: Int64, _ movement: Movement, provider: String?) async throws -> IdempotencyKey {
            step += 1
            let key = IdempotencyKey(scope: "report", key: "\(step)")
            let outcome = try await ledger.apply(
                LedgerOperation(
                    key: key, player: PlayerID(player), currency: "EUR", movement: movement,
                    metadata: provider.map { ["provider": $0, "game": "slot", "round": "r\(step)"] } ?? ["gateway": "sandbox"]))
            try #require(outcome.code == .ok, "step \(step): \(outcome.code)")
            return key
        }
        for player in Int64(1)...6 {
            _ = try await apply(player, .deposit(units: 100_000 * player, gateway: .payments("sandbox")), provider: nil)
        }
        for player in Int64(1)...6 {
            let provider = player <= 4 ? "acme" : "zeus"
            for round in 1...3 {
                let bet = try await apply(player, .bet(units: 1_000 * Int64(round), house: .games(provider)), provider: provider)
                let win = try await apply(
                    player, .win(units: 700 * Int64(round) * player, house: .games(provider), bet: bet), provider: provider)
                if player == 2 && round == 2 { _ = try await apply(player, .rollback(of: win), provider: provider) }
            }
            if player == 5 {
                let bet = try await apply(player, .bet(units: 4_000, house: .games(provider)), provider: provider)
                _ = try await apply(player, .rollback(of: bet), provider: provider)
            }
        }
    }

    /// The same figures from PostgreSQL, as the report shows them.
    static func ledgerFigures(_ database: Database) async throws -> [[String]] {
        try await database.withConnection { connection in
            let rows = try await connection.query(
                """
                SELECT to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), coalesce(x.metadata->>'provider', ''),
                       sum(CASE WHEN x.kind = 'bet' OR (x.kind = 'rollback' AND r.kind = 'bet') THEN -(x.real_delta + x.bonus_delta)
                                ELSE 0 END)::bigint AS turnover,
                       sum(CASE WHEN x.kind = 'win' OR (x.kind = 'rollback' AND r.kind = 'win') THEN x.real_delta + x.bonus_delta
                                ELSE 0 END)::bigint AS wins,
                       sum(CASE WHEN x.kind = 'deposit' THEN x.real_delta ELSE 0 END)::bigint AS deposits,
                       count(DISTINCT x.player_id) FILTER (WHERE x.kind = 'bet')::bigint AS players
                  FROM ledger_transactions x LEFT JOIN ledger_transactions r ON r.id = x.reference_id
                 WHERE x.currency = 'EUR' GROUP BY 1, 2 ORDER BY 1, 2
                """, logger: TestServices.logger)
            var figures: [[String]] = []
            for try await (day, provider, turnover, wins, deposits, players) in rows.decode(
                (String, String, Int64, Int64, Int64, Int64).self)
            {
                figures.append([
                    day, provider, Amount.decimal(units: turnover, scale: 5), Amount.decimal(units: turnover - wins, scale: 5),
                    Amount.decimal(units: deposits, scale: 5), String(players),
                    // GGR per player, truncated toward zero; negative when the players won.
                    players == 0 ? "" : Amount.decimal(units: (turnover - wins) / players, scale: 5),
                ])
            }
            return figures
        }
    }
}
