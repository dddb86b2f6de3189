import App
import ArgumentParser
import CommandSupport
import Persistence
import Reporting
import Schema

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending PostgreSQL and ClickHouse migrations.",
        discussion: """
            Migrations are numbered and append-only; each applied one is recorded with a checksum. \
            If the database's history disagrees with this build (an applied migration was edited, \
            or the database knows one this build lacks), nothing is applied and the migration is named.
            """)

    @Flag(help: "Only list what is pending; apply nothing.")
    var status = false

    func run() async throws {
        let (configuration, logger) = try startUp(label: "croupier.migrate")
        do {
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            try await dependencies.withDatabase {
                let postgres = PostgresMigrator(database: dependencies.database, migrations: try .postgres(), logger: logger)
                let clickHouse = ClickHouseMigrator(client: dependencies.clickHouse, migrations: try .clickHouse(), logger: logger)
                for (engine, migrations) in [
                    ("postgres", status ? try await postgres.pending() : try await postgres.migrate()),
                    ("clickhouse", status ? try await clickHouse.pending() : try await clickHouse.migrate()),
                ] {
                    let verb = status ? "pending" : "applied"
                    print(
                        migrations.isEmpty
                            ? "\(engine): nothing \(verb)" : "\(engine): \(verb) \(migrations.map(\.fileName).joined(separator: ", "))")
                }
            }
        } catch {
            throw fail(error, logger: logger)
        }
    }
}
