import App
import ArgumentParser
import CommandSupport
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the player site, the admin console, the APIs and the provider endpoints.",
        discussion: """
            Listens on CROUPIER_HTTP_HOST:CROUPIER_HTTP_PORT and runs the background services in the \
            same process. Refuses to start on a database that is not migrated, unless \
            CROUPIER_MIGRATE_ON_START=true.
            """)

    func run() async throws {
        let (configuration, logger, tracing) = try startUpTraced(label: "croupier.serve")
        do {
            let dependencies = try AppDependencies(configuration: configuration, logger: logger)
            let app = try await buildApplication(dependencies: dependencies, logger: logger)
            // The span exporter first: a group stops in reverse order, so it flushes last.
            let group = ServiceGroup(
                services: (tracing.map { [$0] } ?? []) + [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            try await group.run()
        } catch {
            throw fail(error, logger: logger)
        }
    }
}
