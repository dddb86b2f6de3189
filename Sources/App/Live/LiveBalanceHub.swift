import Core
import Events
import Identity
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Each `serve` copy's fan-out of ledger events to its players' open sockets. It holds one core
/// NATS subscription on `<stream prefix>.ledger.>`: every message the outbox relay publishes to
/// the stream also reaches core subscribers of its subject, so every copy sees every ledger event
/// whichever copy's relay published it, with no JetStream consumer state to create or clean up.
/// Delivery is at most once, which is enough for a display: a socket starts with a snapshot read
/// from the ledger, and while the subscription is away no socket is open here, because a socket
/// that hears nothing would show balances that silently stop moving (docs/live.md).
///
/// It also bounds what sockets cost: at most `socketsPerPlayer` per player (the next handshake is
/// refused: the open pages keep theirs, the extra one polls) and `capacity` in all, and it checks
/// every open socket's session in one query per `sessionCheck`.
actor LiveBalanceHub: Service {
    static let socketsPerPlayer = 10

    private struct Member {
        let player: PlayerID
        let session: SessionTokenHash
        let mailbox: BalanceMailbox
    }

    private let link: NATSLink
    private let subject: String
    private let sessions: SessionStore
    private let sessionCheck: Duration
    let capacity: Int
    private let logger: Logger
    private var sockets: [PlayerID: [ObjectIdentifier: Member]] = [:]
    /// Open sockets in this process, readable without a hop onto the actor. With none open, an
    /// event is dropped unread rather than decoded and carried here for no one (a quiet copy, a
    /// copy behind a balancer that sends it no pages, every benchmark). A socket that joins just
    /// after misses nothing: it reads its snapshot after joining.
    private let openSockets = Atomic<Int>(0)
    nonisolated var count: Int { openSockets.load(ordering: .acquiring) }
    /// Whether NATS has taken the subscription and it has not been lost since.
    private(set) var subscribed = false
    private let open = Gauge(label: "croupier_live_sockets")
    private let pushed = Counter(label: "croupier_live_updates_total")
    private let unreadable = Counter(label: "croupier_live_unreadable_total")

    init(
        link: NATSLink, stream: EventStream, sessions: SessionStore, sessionCheck: Duration = .seconds(30), capacity: Int = 10_000,
        logger: Logger
    ) {
        self.link = link
        self.subject = "\(stream.subjectPrefix).ledger.>"
        self.sessions = sessions
        self.sessionCheck = sessionCheck
        self.capacity = capacity
        self.logger = logger
    }

    /// Whether a socket of `player` would be taken now.
    func admits(_ player: PlayerID) -> Bool {
        subscribed && count < capacity && (sockets[player]?.count ?? 0) < Self.socketsPerPlayer
    }

    /// Starts delivering `player`'s updates to `mailbox` until `leave`; false, and nothing
    /// delivered, when `admits` says no.
    func join(_ player: PlayerID, session: SessionTokenHash, _ mailbox: BalanceMailbox) -> Bool {
        guard admits(player) else { return false }
        guard
            sockets[player, default: [:]].updateValue(
                Member(player: player, session: session, mailbox: mailbox), forKey: ObjectIdentifier(mailbox)) == nil
        else { return true }
        open.record(openSockets.add(1, ordering: .releasing).newValue)
        return true
    }

    func leave(_ player: PlayerID, _ mailbox: BalanceMailbox) {
        mailbox.close()
        guard sockets[player]?.removeValue(forKey: ObjectIdentifier(mailbox)) != nil else { return }
        if sockets[player]?.isEmpty == true { sockets[player] = nil }
        open.record(openSockets.subtract(1, ordering: .releasing).newValue)
    }

    func deliver(_ update: BalanceUpdate) {
        guard let members = sockets[update.player]?.values else { return }
        for member in members { member.mailbox.post(update) }
        pushed.increment(by: members.count)
    }

    func subscriptionTaken() { subscribed = true }

    /// No event reaches this copy any more: every socket is closed so its page polls and comes
    /// back, to a fresh snapshot, once the subscription is (here or on another copy).
    func subscriptionLost() {
        subscribed = false
        for member in sockets.values.flatMap(\.values) { member.mailbox.close(.unavailable) }
        logger.warning("live balances: the ledger's events are not heard; sockets closed until NATS is back")
    }

    /// Closes the sockets whose session is no longer live.
    func checkSessions() async {
        let members = sockets.values.flatMap(\.values)
        guard !members.isEmpty else { return }
        let owners = Dictionary(members.map { ($0.session, SessionOwner.player($0.player)) }) { first, _ in first }
        do {
            let live = try await sessions.live(owners, policy: .player)
            // Only the members asked about: a socket that joined during the query was just admitted.
            for member in members where !live.contains(member.session) { member.mailbox.close(.sessionEnded) }
        } catch {
            logger.warning("live balances: sessions not checked", metadata: ["reason": "\(error)"])
        }
    }

    nonisolated func run() async throws {
        let messages = link.subscription(
            to: subject, onSubscribed: { [weak self] in await self?.subscriptionTaken() },
            onLost: { [weak self] in await self?.subscriptionLost() })
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await message in messages {
                    guard self.count > 0 else { continue }
                    guard let update = BalanceUpdate(payload: message.payload) else {
                        self.unreadable.increment()
                        self.logger.warning("live balances: unreadable ledger event", metadata: ["subject": "\(message.subject)"])
                        continue
                    }
                    await self.deliver(update)
                }
            }
            group.addTask {
                while (try? await Task.sleep(for: self.sessionCheck)) != nil { await self.checkSessions() }
            }
            try? await gracefulShutdown()
            group.cancelAll()
        }
    }
}
