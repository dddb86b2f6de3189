import Events
import Foundation
import Logging
import Metrics
import Persistence
import ServiceLifecycle

/// Loads every event of the stream into ClickHouse (docs/events.md "ClickHouse"): a durable pull
/// consumer hands out a batch, the loader writes its rows (raw events and facts) and only then
/// acknowledges it. A crash or an outage anywhere between means the batch comes again, and its
/// rows meet their first copies by event id, so each event counts once. Every serve and worker
/// copy runs one; the consumer shares the batches out between them.
public struct EventLoader: Service {
    /// The consumer's name carries the version of what the loader writes. A loader that writes
    /// new facts takes a new name: its consumer starts at the stream's first event and loads the
    /// retained stream again (each row meets its copy by event id), while copies of the earlier
    /// version, still running during a rolling upgrade, finish on theirs without taking events
    /// away from it. Version 2 added the player and payment facts; version 3 the game facts and
    /// the values in the pivot.
    public static let durable = "clickhouse-loader-3"
    let link: NATSLink
    let consumer: PullConsumer
    let clickHouse: ClickHouseClient
    /// nil leaves every movement unvalued (pivot currency "").
    let valuation: (any PivotValuation)?
    let logger: Logger
    let batchSize: Int
    private let loaded = Counter(label: "croupier_loader_events_total")
    private let unreadable = Counter(label: "croupier_loader_unreadable_total")
    /// Seconds between the newest loaded event's business time and its load.
    private let lag = Gauge(label: "croupier_loader_lag_seconds")

    public init(
        link: NATSLink, stream: EventStream, clickHouse: ClickHouseClient, valuation: (any PivotValuation)?, logger: Logger,
        batchSize: Int = 500
    ) {
        self.link = link
        consumer = PullConsumer(link: link, stream: stream.name, config: JetStream.ConsumerConfig(durable: Self.durable))
        self.clickHouse = clickHouse
        self.valuation = valuation
        self.logger = logger
        self.batchSize = batchSize
    }

    public func run() async throws {
        var failures = 0
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let batch = try await cancelWhenGracefulShutdown { try await consumer.fetch(batch: batchSize, expires: .seconds(2)) }
                try await load(batch)
                await JobBoard.process.finished("event loader")
                if failures > 0 { logger.notice("event loader resumed") }
                failures = 0
            } catch {
                let linkClosed = await link.isClosed
                if Task.isCancelled || Task.isShuttingDownGracefully || linkClosed { break }
                failures += 1
                await JobBoard.process.finished("event loader", error: "\(error)")
                if failures == 1 { logger.error("event loader paused", metadata: ["reason": "\(error)"]) }
                // What was handed out and not acknowledged comes again after the ack wait.
                let pause = Duration.seconds(min(failures, 5))
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
            }
        }
    }

    /// Writes one batch's rows, then acknowledges each message.
    func load(_ batch: [JetStreamMessage]) async throws {
        guard !batch.isEmpty else { return }
        var rows = EventRows()
        var newest = Date.distantPast
        var loadable: [JetStreamMessage] = []
        for message in batch {
            // The relay names every event by its outbox id; anything else in the stream is no event of ours.
            guard let eventID = message.headers["Nats-Msg-Id"], UUID(uuidString: eventID) != nil else {
                unreadable.increment()
                logger.error("a message without an event id; not loaded", metadata: ["subject": "\(message.subject)"])
                try await message.term()
                continue
            }
            loadable.append(message)
            let occurredAt = message.headers[EventHeaders.occurredAt].flatMap(EventHeaders.date) ?? message.metadata.publishedAt
            newest = max(newest, occurredAt)
            // Without the outbox id (a relay of an earlier version published it), an event ranks
            // below every event that has one: the stream's order is another numbering, and the
            // only player events such relays publish are the upgrade's one-off backfill, which any
            // later change supersedes.
            let sequence = message.headers[EventHeaders.sequence].flatMap { UInt64($0) } ?? 0
            if !rows.add(eventID: eventID, subject: message.subject, occurredAt: occurredAt, sequence: sequence, payload: message.payload) {
                unreadable.increment()
                logger.error("an event did not read as its subject's payload; kept raw only", metadata: ["event": "\(eventID)"])
            }
        }
        // A valuation that fails (PostgreSQL away) fails the batch, which comes again: a fact is
        // never loaded unvalued only because the rates could not be read just then.
        if let valuation { try await rows.value(in: valuation) }
        // The tables are independent, so their inserts go side by side. The acknowledgements go
        // in one write (each still confirmed by the server): one at a time they cost a round trip
        // each.
        let facts = rows
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await clickHouse.insert(into: "events", rows: facts.raw) }
            group.addTask { try await clickHouse.insert(into: "money_movements", rows: facts.money) }
            group.addTask { try await clickHouse.insert(into: "player_facts", rows: facts.players) }
            group.addTask { try await clickHouse.insert(into: "payment_facts", rows: facts.payments) }
            group.addTask { try await clickHouse.insert(into: "game_facts", rows: facts.games) }
            try await group.waitForAll()
        }
        try await JetStreamMessage.ack(loadable)
        loaded.increment(by: loadable.count)
        if !loadable.isEmpty { lag.record(Date().timeIntervalSince(newest)) }
    }
}
