import Logging

/// swift-otel's diagnostic log, without the values of the `OTEL_*` settings it reports: it logs
/// each setting it reads from the environment with its old and new value, and a header setting
/// (`OTEL_EXPORTER_OTLP_HEADERS`) carries the collector's token. The setting's name stays.
struct RedactedSettingsLogHandler: LogHandler {
    static let hidden: Set<String> = ["environment_value", "previous_value", "new_value"]
    var inner: any LogHandler

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue.filter { !Self.hidden.contains($0.key) } }
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = Self.hidden.contains(key) ? newValue.map { _ in "[redacted]" } : newValue }
    }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt
    ) {
        inner.log(
            level: level, message: message, metadata: metadata?.filter { !Self.hidden.contains($0.key) }, source: source, file: file,
            function: function, line: line)
    }
}
