import Core
import Events
import Logging
import Metrics
import ServiceLifecycle

/// Each `serve` copy's fan-out of ledger events to its players' open sockets. It holds one core
/// NATS subscription on `<stream prefix>.ledger.>`: every message the outbox relay publishes to
/// the stream also reaches core subscribers of its subject, so every copy sees every ledger event
/// whichever copy's relay published it, with no JetStream consumer state to create or clean up.
/// Delivery is at most once, which is enough for a display: a socket starts with a snapshot read
/// from the ledger, and every socket is sent a fresh snapshot after a gap in the subscription
/// (docs/live.md).
actor LiveBalanceHub: Service {
    private let link: NATSLink
    private let subject: String
    private let logger: Logger
    private var sockets: [PlayerID: [ObjectIdentifier: BalanceMailbox]] = [:]
    /// Open sockets in this process.
    private(set) var count = 0
    private let open = Gauge(label: "croupier_live_sockets")
    private let pushed = Counter(label: "croupier_live_updates_total")
    private let unreadable = Counter(label: "croupier_live_unreadable_total")

    init(link: NATSLink, stream: EventStream, logger: Logger) {
        self.link = link
        self.subject = "\(stream.subjectPrefix).ledger.>"
        self.logger = logger
    }

    /// Starts delivering `player`'s updates to `mailbox` until `leave`.
    func join(_ player: PlayerID, _ mailbox: BalanceMailbox) {
        guard sockets[player, default: [:]].updateValue(mailbox, forKey: ObjectIdentifier(mailbox)) == nil else { return }
        count += 1
        open.record(count)
    }

    func leave(_ player: PlayerID, _ mailbox: BalanceMailbox) {
        mailbox.close()
        guard sockets[player]?.removeValue(forKey: ObjectIdentifier(mailbox)) != nil else { return }
        if sockets[player]?.isEmpty == true { sockets[player] = nil }
        count -= 1
        open.record(count)
    }

    func deliver(_ update: BalanceUpdate) {
        guard let mailboxes = sockets[update.player]?.values else { return }
        for mailbox in mailboxes { mailbox.post(update) }
        pushed.increment(by: mailboxes.count)
    }

    /// After a gap in the subscription every socket may have missed updates.
    func resnapshotAll() {
        for mailbox in sockets.values.flatMap(\.values) { mailbox.resnapshot() }
    }

    nonisolated func run() async throws {
        let messages = link.subscription(to: subject) { [weak self] in await self?.resnapshotAll() }
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await message in messages {
                    guard let update = BalanceUpdate(payload: message.payload) else {
                        self.unreadable.increment()
                        self.logger.warning("live balances: unreadable ledger event", metadata: ["subject": "\(message.subject)"])
                        continue
                    }
                    await self.deliver(update)
                }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}
