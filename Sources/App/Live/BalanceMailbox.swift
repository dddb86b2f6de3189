import Synchronization

/// What one open socket still has to send. Each update carries a currency's whole balance, so a
/// newer one replaces the one waiting for its currency, and one older than what was already sent
/// (two relays may publish out of order) is dropped. A slow client thus holds at most one update
/// per currency; past `capacity` currencies waiting, everything waiting is dropped for a fresh
/// snapshot, which is also what a gap in the event feed asks for (`resnapshot`). A snapshot read
/// says which transaction each currency's balance is as of (`snapshotted`), so an update the
/// snapshot already includes, however late it arrives, is dropped rather than shown over it.
final class BalanceMailbox: Sendable {
    /// What to send next: a snapshot of every balance first when `snapshot`, then `updates`.
    struct Delivery: Equatable {
        let snapshot: Bool
        let updates: [BalanceUpdate]
    }

    /// Why the hub closed the mailbox, for the socket to tell its client.
    enum Ending: Sendable, Equatable {
        /// The session is no longer live: signed out, expired, revoked, the player blocked.
        case sessionEnded
        /// This copy no longer hears the ledger's events (NATS is away): try again later.
        case unavailable
    }

    private struct State {
        var ending: Ending?
        var waiting: [String: BalanceUpdate] = [:]
        /// The newest transaction sent per currency, the snapshot's included.
        var sent: [String: Int64] = [:]
        var snapshot = false
    }

    let capacity: Int
    /// Rings once or more after something was posted; ends when the mailbox is closed.
    let rings: AsyncStream<Void>
    private let doorbell: AsyncStream<Void>.Continuation
    private let state = Mutex(State())

    init(capacity: Int = 16) {
        self.capacity = capacity
        (rings, doorbell) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func post(_ update: BalanceUpdate) {
        let posted = state.withLock { state -> Bool in
            if let sent = state.sent[update.currency], sent >= update.transaction { return false }
            if let waiting = state.waiting[update.currency], waiting.transaction >= update.transaction { return false }
            if state.waiting[update.currency] == nil, state.waiting.count >= capacity {
                state.waiting = [:]
                state.snapshot = true
            } else if !state.snapshot {
                state.waiting[update.currency] = update
            }
            return true
        }
        if posted { doorbell.yield() }
    }

    /// Drops what waits for a snapshot: updates may have been missed.
    func resnapshot() {
        state.withLock { state in
            state.waiting = [:]
            state.snapshot = true
        }
        doorbell.yield()
    }

    /// Takes what waits, oldest transaction first, and remembers it as sent.
    func take() -> Delivery {
        state.withLock { state in
            let snapshot = state.snapshot
            let updates = state.waiting.values.sorted { $0.transaction < $1.transaction }
            if snapshot { state.sent = [:] }
            for update in updates { state.sent[update.currency] = update.transaction }
            state.waiting = [:]
            state.snapshot = false
            return Delivery(snapshot: snapshot, updates: updates)
        }
    }

    /// Records that the snapshot just sent holds each currency's balance as of the transaction
    /// given, and drops what waits that it already includes.
    func snapshotted(asOf transactions: [String: Int64]) {
        state.withLock { state in
            for (currency, transaction) in transactions {
                state.sent[currency] = max(state.sent[currency] ?? 0, transaction)
                if let waiting = state.waiting[currency], waiting.transaction <= transaction { state.waiting[currency] = nil }
            }
        }
    }

    /// Why the mailbox was closed, nil while open or closed by its socket.
    var ending: Ending? { state.withLock { $0.ending } }

    func close(_ ending: Ending? = nil) {
        state.withLock { state in
            if state.ending == nil { state.ending = ending }
        }
        doorbell.finish()
    }
}
