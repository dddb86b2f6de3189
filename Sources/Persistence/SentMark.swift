import Synchronization

/// Whether a request whose effect matters (a transaction's COMMIT, a procedure that commits) has
/// been handed to the connection: a failure before that changed nothing, after it the outcome is
/// unknown until the server answers. Marked in the task that sends, read by the one that answers.
public final class SentMark: Sendable {
    private let sent = Atomic(false)

    public init() {}

    public var isSent: Bool { sent.load(ordering: .acquiring) }

    public func markSent() { sent.store(true, ordering: .releasing) }
}
