/// Subscriptions that outlive a connection: the link subscribes again on its next connection
/// (with back-off while no server answers), so a reader of live events survives a NATS restart or
/// a lost node. Messages published while no connection was open are not seen: core NATS keeps
/// nothing; what must not be missed is read from JetStream (`PullConsumer`). `onSubscribed` runs
/// each time the server has taken the subscription, the first time and after every gap, so a
/// reader that keeps derived state can re-read what it may have missed. `onLost` runs each time a
/// subscription the server had taken is gone with its connection, so a reader that shows live
/// state can say it no longer is until the next `onSubscribed`.
extension NATSLink {
    public nonisolated func subscription(
        to subject: String, queue: String? = nil, onSubscribed: @escaping @Sendable () async -> Void = {},
        onLost: @escaping @Sendable () async -> Void = {}
    ) -> AsyncStream<NATSConnection.Message> {
        AsyncStream { continuation in
            let task = Task {
                var backOff = BackOff()
                while !Task.isCancelled, !(await isClosed) {
                    do {
                        let connection = try await connection()
                        let subscription = try await connection.subscribe(subject, queue: queue)
                        // SUB has no answer: the ping's answer says the server took it (a refused
                        // subscription fails the connection first), so only then is this a success.
                        try await connection.ping()
                        backOff.reset()
                        await onSubscribed()
                        for await message in subscription.messages { continuation.yield(message) }
                        if Task.isCancelled {
                            await connection.unsubscribe(subscription)
                            break
                        }
                        await onLost()
                        await discard(connection)
                    } catch {
                        // No server answered, or the connection failed as it subscribed: wait and try again.
                    }
                    await backOff.wait()
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

/// Waits that double from 100 ms to 5 s between attempts, and start over after a success.
struct BackOff: Sendable {
    private(set) var next: Duration = .milliseconds(100)

    mutating func reset() { next = .milliseconds(100) }

    mutating func wait() async {
        try? await Task.sleep(for: next)
        next = min(next * 2, .seconds(5))
    }
}
