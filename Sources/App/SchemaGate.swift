import Logging
import ServiceLifecycle

/// Starts `services` only once `check` has passed. A failed check ends this service with its
/// error, so the group around it stops before anything ran on the wrong schema.
struct SchemaGate: Service {
    let check: @Sendable () async throws -> Void
    let services: [any Service]
    let logger: Logger

    func run() async throws {
        try await check()
        guard !Task.isShuttingDownGracefully else { return }
        try await ServiceGroup(services: services, logger: logger).run()
    }
}
