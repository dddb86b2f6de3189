import Synchronization

/// What one open socket still has to send. Each update carries a currency's whole balance, so a
/// newer one replaces the one waiting for its currency, and one older than what was already sent
/// (two relays may publish out of order) is dropped. A slow client thus holds at most one update
/// per currency; past `capacity` currencies waiting, everything waiting is dropped for a fresh
/// snapshot, which is also what a gap in the event feed asks for (`resnapshot`).
final class BalanceMailbox: Sendable {
    /// What to send next: a snapshot of every balance first when `snapshot`, then `updates`.
    struct Delivery: Equatable {
        let snapshot: Bool
        let updates: [BalanceUpdate]
    }

    private struct State {
        var waiting: [String: BalanceUpdate] = [:]
        /// The newest transaction sent per currency since the last snapshot.
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

    func close() { doorbell.finish() }
}
