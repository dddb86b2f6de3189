import App
import ArgumentParser
import CommandSupport
import ServiceLifecycle

struct Worker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run only the background services (no HTTP).",
        discussion: """
            Background services coordinate through PostgreSQL, so any number of workers and servers \
            can run side by side: the outbox relay and mail delivery share rows (FOR UPDATE SKIP \
            LOCKED), identity housekeeping and Croupier Originals' settlement run in one process at \
            a time (an advisory-lock lease), beside the dependency monitor. Like serve, refuses to \
            start on a database that is not migrated, unless CROUPIER_MIGRATE_ON_START=true.
            """)

    func run() async throws {
        let (configuration, logger, tracing) = try startUpTraced(label: "croupier.worker")
        do {
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            // The span exporter first: a group stops in reverse order, so it flushes last.
            let group = ServiceGroup(
                services: (tracing.map { [$0] } ?? []) + dependencies.workerServices(logger: logger),
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger)
            try await group.run()
        } catch {
            throw fail(error, logger: logger)
        }
    }
}
