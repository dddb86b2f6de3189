import Events
import Foundation
import Identity
import Logging
import Payments
import Persistence
import Reporting
import Schema

/// What `/admin/health` shows, gathered from each part through its own API: this copy's view of
/// the dependencies, the queues the background jobs drain, the event stream, the schema, and
/// every running copy with its jobs (their heartbeat rows). Each part is read on its own with a
/// deadline, so a part that fails or hangs shows as unavailable and the rest still shows.
struct SystemHealth: Sendable {
    let readiness: ReadinessMonitor
    let database: Database
    let nats: NATSLink
    let stream: EventStream
    let inbox: WebhookInbox
    let mail: MailQueue
    /// This build's migrations, read from the bundle once: the page compares the database with them.
    let migrations: MigrationSet
    let logger: Logger
    var deadline: Duration = .seconds(3)

    /// A part's value, or why it could not be read.
    enum Part<Value: Sendable>: Sendable {
        case value(Value)
        case unavailable(String)
    }

    struct Snapshot: Sendable {
        let dependencies: [ReadinessMonitor.Result]
        let outbox: Part<Backlog>
        let webhooks: Part<(waiting: Backlog, failed: Int)>
        let mail: Part<(unsent: Backlog, retrying: Int)>
        let stream: Part<JetStream.StreamInfo>
        /// The ClickHouse loader's consumer: events not yet handed out, and handed out not yet loaded.
        let loader: Part<JetStream.ConsumerInfo>
        let pendingMigrations: Part<Int>
        let buildSchemaVersion: Int
        let copies: Part<[RunningCopy]>
    }

    /// The events' way to analytics: the outbox's backlog and the ClickHouse loader's, for the dashboard.
    func pipeline() async -> (outbox: Part<Backlog>, loader: Part<JetStream.ConsumerInfo>) {
        async let outbox = part { try await Outbox.backlog(in: database, logger: logger) }
        async let loader = loaderInfo()
        return (await outbox, await loader)
    }

    private func loaderInfo() async -> Part<JetStream.ConsumerInfo> {
        await part {
            try await JetStream(connection: nats.connection()).consumerInfo(stream: self.stream.name, durable: EventLoader.durable)
        }
    }

    func snapshot() async -> Snapshot {
        async let dependencies = readiness.evaluate()
        async let outbox = part { try await Outbox.backlog(in: database, logger: logger) }
        async let webhooks = part { try await inbox.backlog() }
        async let mail = part { try await self.mail.backlog() }
        async let stream = part { try await JetStream(connection: nats.connection()).streamInfo(name: self.stream.name) }
        async let loader = loaderInfo()
        async let pending = part { try await PostgresMigrator(database: database, migrations: migrations, logger: logger).pending().count }
        async let copies = part { try await ProcessHeartbeat.copies(in: database, logger: logger) }
        return Snapshot(
            dependencies: await dependencies, outbox: await outbox, webhooks: await webhooks, mail: await mail, stream: await stream,
            loader: await loader, pendingMigrations: await pending, buildSchemaVersion: migrations.migrations.last?.version ?? 0,
            copies: await copies)
    }

    /// Runs `read` against the deadline; its error (or the missed deadline) becomes the reason.
    private func part<Value: Sendable>(_ read: @escaping @Sendable () async throws -> Value) async -> Part<Value> {
        let deadline = self.deadline
        do {
            let value = try await beforeDeadline(read) { try await Task.sleep(for: deadline) }
            return value.map { .value($0) } ?? .unavailable("no answer within \(deadline)")
        } catch {
            return .unavailable(postgresReason(error))
        }
    }
}
