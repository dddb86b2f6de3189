import Persistence
import Tracing

/// The outbox relay's spans (docs/operations.md, "Traces"). A batch that found events is a trace
/// of its own, `outbox publish`, with one producer span per message published named as
/// OpenTelemetry's messaging conventions name them (`publish croupier.payments.deposit_completed`:
/// subjects are a fixed list). A poll that finds nothing starts no span, so an idle relay sends
/// nothing.
struct RelaySpans {
    let tracer: any Tracer

    func batch<Result>(count: Int, _ body: () async throws -> Result) async throws -> Result {
        let attributes: SpanAttributes = ["messaging.system": "nats", "messaging.batch.message_count": .int64(Int64(count))]
        return try await traced("outbox publish", kind: .internal, attributes: attributes) { try await body() }
    }

    /// One producer span per message, all open while the batch is sent and acknowledged.
    /// The message id is the outbox event's id (the JetStream `Nats-Msg-Id`), never its payload.
    func publish<Result>(_ messages: [JetStream.Outgoing], _ body: () async throws -> Result) async throws -> Result {
        let parent = ServiceContext.current ?? .topLevel
        let spans = messages.map { message in
            let span = tracer.startSpan("publish \(message.subject)", context: parent, ofKind: .producer)
            span.attributes = [
                "messaging.system": "nats", "messaging.operation.name": "publish", "messaging.operation.type": "send",
                "messaging.destination.name": .string(message.subject), "messaging.message.id": .string(message.messageID),
            ]
            return span
        }
        defer { for span in spans { span.end() } }
        do {
            return try await body()
        } catch {
            for span in spans { span.recordFailure(error) }
            throw error
        }
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
