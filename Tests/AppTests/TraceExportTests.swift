import Core
import Foundation
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

    /// swift-otel logs each `OTEL_*` setting it reads with its values, as handler metadata; the
    /// headers setting carries the collector's token.
    @Test func theSettingsValuesNeverReachTheLog() {
        let recorder = RecordingHandler()
        var logger = Logger(label: "otel", factory: { _ in RedactedSettingsLogHandler(inner: recorder) })
        logger[metadataKey: "environment_key"] = "OTEL_EXPORTER_OTLP_HEADERS"
        logger[metadataKey: "environment_value"] = "Authorization=Bearer SECRET"
        logger[metadataKey: "new_value"] = "[Authorization: Bearer SECRET]"
        logger.info("Configuration updated from environment", metadata: ["previous_value": "SECRET"])
        let line = recorder.lines.all.joined()
        #expect(line.contains("OTEL_EXPORTER_OTLP_HEADERS"))
        #expect(!line.contains("SECRET"), "\(line)")
    }

    @Test func withoutAnEndpointNothingIsBootstrapped() throws {
        #expect(try TraceExport.bootstrap(Configuration(secretKey: .random()), logger: logger) == nil)
    }
}

/// Keeps what reaches it as text: the message and every metadata value.
private struct RecordingHandler: LogHandler {
    final class Lines: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        var all: [String] { lock.withLock { lines } }
        func append(_ line: String) { lock.withLock { lines.append(line) } }
    }

    let lines = Lines()
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt
    ) {
        let all = self.metadata.merging(metadata ?? [:]) { $1 }
        lines.append("\(message) \(all)")
    }
}
