import Foundation
import PostgresNIO

/// Parses `postgres://user:password@host:port/database?sslmode=disable|prefer|require`.
public struct DatabaseURL: Sendable, Equatable {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tlsMode: String

    public enum ParseError: Error, CustomStringConvertible, Equatable {
        case invalid(String)
        public var description: String {
            switch self {
            case .invalid(let reason): "CROUPIER_DATABASE_URL is not valid: \(reason)"
            }
        }
    }

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text),
            let scheme = components.scheme, ["postgres", "postgresql"].contains(scheme)
        else { throw ParseError.invalid("expected postgres://user@host:port/database") }
        guard let host = components.host, !host.isEmpty else { throw ParseError.invalid("no host") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw ParseError.invalid("no database name") }
        self.host = host
        self.port = components.port ?? 5432
        self.username = components.user ?? "postgres"
        self.password = components.password
        self.database = database
        self.tlsMode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "disable"
        guard ["disable", "prefer", "require"].contains(tlsMode) else {
            throw ParseError.invalid("sslmode must be disable, prefer or require")
        }
    }

    /// The same server, another database (tests clone databases from a template).
    public func with(database: String) -> DatabaseURL {
        var copy = self
        copy.database = database
        return copy
    }

    /// One connection of its own, outside the pool (a session that holds an advisory lock).
    public func connectionConfiguration(applicationName: String) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch tlsMode {
            case "require": .require(try .init(configuration: .makeClientConfiguration()))
            case "prefer": .prefer(try .init(configuration: .makeClientConfiguration()))
            default: .disable
            }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        configuration.options.additionalStartupParameters = [("application_name", applicationName)]
        return configuration
    }

    public func clientConfiguration(maximumConnections: Int) -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch tlsMode {
            case "require": .require(.makeClientConfiguration())
            case "prefer": .prefer(.makeClientConfiguration())
            default: .disable
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = maximumConnections
        // A busy machine can take seconds to accept and authenticate a connection; give up only
        // on a server that is not there.
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }
}
