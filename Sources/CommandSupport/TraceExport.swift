import Core
import Foundation
import Logging
import OTel
import ServiceLifecycle

/// OpenTelemetry traces for `serve` and `worker` (docs/operations.md, "Traces"): swift-otel's
/// tracer with its batch span processor, exporting OTLP/HTTP protobuf to the collector named by
/// `CROUPIER_OTEL_ENDPOINT`. Only traces: metrics stay with Prometheus (`/metrics`) and logs on
/// stderr, which carry the trace id instead.
public enum TraceExport {
    /// Where the spans go: OTLP/HTTP sends traces to `/v1/traces` under the collector's base URL,
    /// as `OTEL_EXPORTER_OTLP_ENDPOINT` would (an explicit endpoint is used by swift-otel as is).
    static func tracesURL(collector: String) -> String {
        collector.hasSuffix("/") ? collector + "v1/traces" : collector + "/v1/traces"
    }

    /// `OTEL_*` variables (the batch delay, the sampler, headers) still refine this at bootstrap.
    static func configuration(collector: String, version: String, environment: Environment, logger: Logger) -> OTel.Configuration {
        var configuration = OTel.Configuration.default
        configuration.serviceName = "croupier"
        configuration.resourceAttributes = ["service.version": version, "deployment.environment.name": environment.rawValue]
        var diagnostics = logger
        diagnostics.handler = RedactedSettingsLogHandler(inner: logger.handler)
        configuration.diagnosticLogger = .custom(diagnostics)
        configuration.logs.enabled = false
        configuration.metrics.enabled = false
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        configuration.traces.otlpExporter.endpoint = tracesURL(collector: collector)
        // A collector that does not answer must not hold a stopping process past its grace
        // period (30 s in Compose, 40 s in Kubernetes): an export and the final flush get 5 s each.
        configuration.traces.otlpExporter.timeout = .seconds(5)
        configuration.traces.batchSpanProcessor.exportTimeout = .seconds(5)
        return configuration
    }

    /// Bootstraps the process-wide tracer when the configuration names a collector, and returns
    /// the service that batches and exports the spans: run it first in the service group, so it
    /// stops last and flushes what the other services recorded while they stopped. Nil (and the
    /// no-op tracer) when tracing is off.
    public static func bootstrap(_ configuration: Configuration, logger: Logger) throws -> (any Service)? {
        guard let collector = configuration.otelEndpoint else { return nil }
        let service = try OTel.bootstrap(
            configuration: Self.configuration(
                collector: collector, version: configuration.buildVersion, environment: configuration.environment, logger: logger))
        // The host only: a collector URL may carry credentials.
        logger.notice("exporting traces over OTLP/HTTP", metadata: ["collector": "\(URL(string: collector)?.host ?? "?")"])
        return service
    }
}
