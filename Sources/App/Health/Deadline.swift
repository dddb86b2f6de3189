/// Runs `work` against `deadline` (which returns when the time is up) and answers the work's
/// value, or nil when the deadline came first; the loser is cancelled. What the health checks
/// and the health page share: a part that hangs must not hold the answer up.
func beforeDeadline<Value: Sendable>(
    _ work: @escaping @Sendable () async throws -> Value, deadline: @escaping @Sendable () async throws -> Void
) async throws -> Value? {
    try await withThrowingTaskGroup(of: Value?.self) { group in
        group.addTask { try await work() }
        group.addTask {
            try await deadline()
            return nil
        }
        defer { group.cancelAll() }
        return try await group.next() ?? nil
    }
}
