import App
import ArgumentParser
import Core
import Foundation
import Logging
import OTel
import Persistence
import ServiceLifecycle

/// Loads the configuration and sets up logging, or exits with a message naming the problem.
/// Shared by `croupier` and `croupier-bench`, which read the same `CROUPIER_*` settings.
public func startUp(label: String) throws -> (Configuration, Logger) {
    let (configuration, notices) = try loadConfiguration()
    return (configuration, bootstrapLogging(configuration, notices: notices, label: label, traced: false))
}

/// `startUp` for the long-running commands (`serve`, `worker`): when `CROUPIER_OTEL_ENDPOINT` is
/// set, also the tracer, the service exporting its spans (to run first in the service group),
/// and the trace and span ids in every log line written inside a span.
public func startUpTraced(label: String) throws -> (Configuration, Logger, tracing: (any Service)?) {
    let (configuration, notices) = try loadConfiguration()
    let logger = bootstrapLogging(configuration, notices: notices, label: label, traced: configuration.otelEndpoint != nil)
    do {
        return (configuration, logger, try TraceExport.bootstrap(configuration, logger: logger))
    } catch {
        throw fail(error, logger: logger)
    }
}

private func loadConfiguration() throws -> (Configuration, [ConfigurationNotice]) {
    do {
        return try Configuration.load()
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("croupier: \(error)\n".utf8))
        throw ExitCode(78)  // EX_CONFIG
    }
}

private func bootstrapLogging(_ configuration: Configuration, notices: [ConfigurationNotice], label: String, traced: Bool) -> Logger {
    let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
    LoggingSystem.bootstrap(
        { label, provider in JSONLogHandler(label: label, level: level, metadataProvider: provider) },
        metadataProvider: traced ? OTel.makeLoggingMetadataProvider() : nil)
    let logger = Logger(label: label)
    for notice in notices { logger.notice("\(notice.message)") }
    return logger
}

/// Prints a failure people can act on and exits non-zero.
public func fail(_ error: any Error, logger: Logger) -> ExitCode {
    let message = postgresReason(error)
    logger.critical("\(message)")
    FileHandle.standardError.write(Data("croupier: \(message)\n".utf8))
    return ExitCode.failure
}
