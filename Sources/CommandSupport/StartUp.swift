import App
import ArgumentParser
import Core
import Foundation
import Logging
import Persistence

/// Loads the configuration and sets up logging, or exits with a message naming the problem.
/// Shared by `croupier` and `croupier-bench`, which read the same `CROUPIER_*` settings.
public func startUp(label: String) throws -> (Configuration, Logger) {
    let configuration: Configuration
    let notices: [ConfigurationNotice]
    do {
        (configuration, notices) = try Configuration.load()
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("croupier: \(error)\n".utf8))
        throw ExitCode(78)  // EX_CONFIG
    }
    let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
    LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
    let logger = Logger(label: label)
    for notice in notices { logger.notice("\(notice.message)") }
    return (configuration, logger)
}

/// Prints a failure people can act on and exits non-zero.
public func fail(_ error: any Error, logger: Logger) -> ExitCode {
    let message = postgresReason(error)
    logger.critical("\(message)")
    FileHandle.standardError.write(Data("croupier: \(message)\n".utf8))
    return ExitCode.failure
}
