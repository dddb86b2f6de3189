import Persistence
import Tracing

/// The outbox relay's spans (docs/operations.md, "Traces"). A batch that found events is a trace
/// of its own, `outbox publish`, with one producer span per JetStream publish named as
/// OpenTelemetry's messaging conventions name them (`publish croupier.payments.deposit_completed`:
/// subjects are a fixed list). A poll that finds nothing starts no span, so an idle relay sends
/// nothing.
struct RelaySpans {
    let tracer: any Tracer

    func batch<Result>(count: Int, _ body: () async throws -> Result) async throws -> Result {
        let attributes: SpanAttributes = ["messaging.system": "nats", "messaging.batch.message_count": .int64(Int64(count))]
        return try await traced("outbox publish", kind: .internal, attributes: attributes) { try await body() }
    }

    /// `eventID` is the outbox event's id (the JetStream `Nats-Msg-Id`), never its payload.
    func publish<Result>(subject: String, eventID: String, _ body: () async throws -> Result) async throws -> Result {
        let attributes: SpanAttributes = [
            "messaging.system": "nats", "messaging.operation.name": "publish", "messaging.operation.type": "send",
            "messaging.destination.name": .string(subject), "messaging.message.id": .string(eventID),
        ]
        return try await traced("publish \(subject)", kind: .producer, attributes: attributes) { try await body() }
    }

    private func traced<Result>(
        _ name: String, kind: SpanKind, attributes: SpanAttributes, _ body: () async throws -> Result
    ) async throws -> Result {
        let span = tracer.startSpan(name, context: ServiceContext.current ?? .topLevel, ofKind: kind)
        defer { span.end() }
        span.attributes = attributes
        do {
            return try await ServiceContext.$current.withValue(span.context) { try await body() }
        } catch {
            span.recordFailure(error)
            throw error
        }
    }
}
