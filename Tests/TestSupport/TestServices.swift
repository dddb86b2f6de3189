import Core
import Events
import Foundation
import Logging
import Persistence
import PostgresNIO
import Reporting

/// The real services the integration tests run against, as `make services` started them
/// (`.local/env`). A missing service fails the test with a message; it never skips.
public enum TestServices {
    public struct Missing: Error, CustomStringConvertible {
        public let key: String
        public init(key: String) { self.key = key }
        public var description: String {
            "\(key) is not set: start the local services with `make services` and run the tests through `make test` (or `source .local/env`)"
        }
    }

    public static func value(_ key: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[key], !value.isEmpty else { throw Missing(key: key) }
        return value
    }

    public static func databaseURL() throws -> DatabaseURL { try DatabaseURL(value("CROUPIER_DATABASE_URL")) }
    public static func natsURL() throws -> String { try value("CROUPIER_NATS_URL") }
    public static func clickHouseURL() throws -> String { try value("CROUPIER_CLICKHOUSE_URL") }

    public static let logger: Logger = {
        var logger = Logger(label: "tests")
        logger.logLevel = .warning
        return logger
    }()

    /// A short random suffix for database, stream and table names.
    public static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(RandomToken.hex(byteCount: 6))"
    }

    /// A JetStream stream of one test app's own, so that no test sees another's events.
    public static func uniqueStreamName() -> String { uniqueName("TEST").uppercased() }

    /// Deletes a test's stream; one that was never created (the app stopped before its relay
    /// ran) is not an error.
    public static func deleteStream(_ name: String) async throws {
        let link = NATSLink(url: try natsURL())
        do {
            try await JetStream(connection: try await link.connection()).deleteStream(name: name)
        } catch NATSError.serverError(let message) where message.contains("not found") {
        } catch {
            await link.close()
            throw error
        }
        await link.close()
    }

    /// Runs `body` on a one-off connection to the server's maintenance database.
    static func withMaintenanceConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let url = try databaseURL().with(database: "postgres")
        let connection = try await PostgresConnection.connect(
            configuration: .init(
                host: url.host, port: url.port, username: url.username, password: url.password, database: url.database, tls: .disable),
            id: 1, logger: logger)
        do {
            let result = try await body(connection)
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
