import Core
import Logging
import OTel
import Testing

@testable import CommandSupport

/// How `serve` and `worker` set up swift-otel from `CROUPIER_OTEL_ENDPOINT`.
@Suite struct TraceExportTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    @Test func spansGoToTheCollectorsTracesPath() {
        #expect(TraceExport.tracesURL(collector: "http://127.0.0.1:4318") == "http://127.0.0.1:4318/v1/traces")
        #expect(TraceExport.tracesURL(collector: "https://collector.example:4318/") == "https://collector.example:4318/v1/traces")
    }

    @Test func onlyTracesAreExportedOverOTLPHTTPAsCroupier() {
        let configuration = TraceExport.configuration(
            collector: "http://collector:4318", version: "1.2.3", environment: .production, logger: logger)
        #expect(configuration.serviceName == "croupier")
        #expect(configuration.resourceAttributes["service.version"] == "1.2.3")
        #expect(configuration.traces.enabled && !configuration.metrics.enabled && !configuration.logs.enabled)
        #expect(configuration.traces.otlpExporter.protocol == .httpProtobuf)
        #expect(configuration.traces.otlpExporter.endpoint == "http://collector:4318/v1/traces")
    }

    @Test func withoutAnEndpointNothingIsBootstrapped() throws {
        #expect(try TraceExport.bootstrap(Configuration(secretKey: .random()), logger: logger) == nil)
    }
}
