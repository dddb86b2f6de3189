import Foundation
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
        guard !Task.isShuttingDownGracefully && !Task.isCancelled else { return }
        try await ServiceGroup(services: services, logger: logger).run()
    }
}

/// Opened once the schema was checked (and migrated, when asked) before the server started:
/// what `serve`'s background jobs wait for, so none of them runs on a database whose tables do
/// not exist yet.
actor SchemaChecked {
    private var opened = false
    private var waiting: [UUID: CheckedContinuation<Void, Never>] = [:]

    func open() {
        opened = true
        for waiter in waiting.values { waiter.resume() }
        waiting = [:]
    }

    /// Returns once opened, or at once when the waiting task is cancelled (a start-up that failed
    /// stops the services, and a waiter must not hold the shutdown up).
    func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { waiter in
                if opened || Task.isCancelled { waiter.resume() } else { waiting[id] = waiter }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    private func cancel(_ id: UUID) { waiting.removeValue(forKey: id)?.resume() }
}
