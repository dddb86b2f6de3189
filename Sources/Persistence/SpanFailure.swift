import Tracing

extension Span {
    /// Marks the span failed with the error's type only (`error.type`). `Span.recordError`, which
    /// `withSpan` calls, also exports the error's description, and ours may quote what a player
    /// sent or what a row held.
    public func recordFailure(_ error: any Error) {
        attributes["error.type"] = String(reflecting: type(of: error))
        setStatus(SpanStatus(code: .error))
    }
}
