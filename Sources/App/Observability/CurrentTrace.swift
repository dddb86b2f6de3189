import OTel
import Tracing

/// The trace the current task records into, for people to quote beside a request id: nil when
/// tracing is off, outside a request, or when the trace is not sampled (its spans go nowhere, so
/// its id would lead nowhere).
enum CurrentTrace {
    static var id: String? {
        guard let context = ServiceContext.current, context.otelIsSampled else { return nil }
        return context.otelTraceID
    }
}
