import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// A small client for ClickHouse's HTTP interface. ClickHouse holds the analytics copy only:
/// nothing here is ever read to make a money decision.
public struct ClickHouseClient: Sendable {
    public let endpoint: ClickHouseEndpoint
    let http: HTTPClient
    let timeout: TimeAmount

    public init(endpoint: ClickHouseEndpoint, http: HTTPClient = .shared, timeout: TimeAmount = .seconds(30)) {
        self.endpoint = endpoint
        self.http = http
        self.timeout = timeout
    }

    /// `GET /ping`, which answers "Ok." when the server is up.
    public func ping(timeout: TimeAmount = .seconds(10)) async throws {
        try await ping(through: http, timeout: timeout)
    }

    /// `ping` for a readiness probe: a refused connection fails at once (the shared client
    /// retries connecting until its connect timeout), so a ClickHouse that is down reads as down
    /// and one that is only slow reads as slow.
    public func probe(timeout: TimeAmount = .seconds(10)) async throws {
        try await ping(through: Self.failFast, timeout: timeout)
    }

    /// This client on a connection pool that fails at once when ClickHouse refuses connections,
    /// for a person waiting on an answer (a report) rather than a job that can wait.
    public func failingFast(timeout: TimeAmount) -> ClickHouseClient {
        ClickHouseClient(endpoint: endpoint, http: Self.failFast, timeout: timeout)
    }

    /// Lives as long as the process, like `HTTPClient.shared`, so it is never shut down. Its
    /// calls make no spans: the readiness monitor probes every few seconds, and a trace per probe
    /// would bury the requests' traces (docs/operations.md, "Traces"); a report's request span
    /// still times the whole call.
    private static let failFast: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    private func ping(through http: HTTPClient, timeout: TimeAmount) async throws {
        var request = HTTPClientRequest(url: endpoint.baseURL + "/ping")
        request.method = .GET
        let response = try await http.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 1024)
        guard response.status == .ok else {
            throw ClickHouseError.server(status: Int(response.status.code), message: String(buffer: body))
        }
    }

    /// Runs one statement and returns the response body (its format is whatever the SQL asks).
    /// `database: nil` runs it outside the configured database (to create that database).
    @discardableResult
    public func execute(_ sql: String, database: String?? = .none, settings: [String: String] = [:]) async throws -> String {
        var query: [String] = []
        let databaseName: String? = database ?? endpoint.database
        if let databaseName { query.append("database=\(Self.percentEncode(databaseName))") }
        for (key, value) in settings.sorted(by: { $0.key < $1.key }) {
            query.append("\(Self.percentEncode(key))=\(Self.percentEncode(value))")
        }
        return try await post(query: query, body: ByteBuffer(string: sql), answerLimit: 64 << 20)
    }

    /// Inserts rows, each encoded by `JSONEncoder` (`FORMAT JSONEachRow`): values travel as JSON,
    /// never as SQL text. `table` is one of the schema's names, never input.
    public func insert<Row: Encodable>(into table: String, rows: [Row]) async throws {
        guard !rows.isEmpty else { return }
        precondition(table.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "a table name from the schema")
        let encoder = JSONEncoder()
        var body = ByteBuffer()
        for row in rows {
            body.writeBytes(try encoder.encode(row))
            body.writeString("\n")
        }
        var query = ["query=\(Self.percentEncode("INSERT INTO \(table) FORMAT JSONEachRow"))"]
        if let database = endpoint.database { query.insert("database=\(Self.percentEncode(database))", at: 0) }
        try await post(query: query, body: body, answerLimit: 1 << 20)
    }

    /// POSTs `body` with the query string's parameters and the credentials in headers (never in
    /// the URL, which proxies log); a status other than 200 throws with ClickHouse's message.
    @discardableResult
    private func post(query: [String], body: ByteBuffer, answerLimit: Int) async throws -> String {
        var request = HTTPClientRequest(url: endpoint.baseURL + "/" + (query.isEmpty ? "" : "?" + query.joined(separator: "&")))
        request.method = .POST
        request.headers.add(name: "X-ClickHouse-User", value: endpoint.user)
        if let password = endpoint.password { request.headers.add(name: "X-ClickHouse-Key", value: password) }
        request.body = .bytes(body)
        let response = try await http.execute(request, timeout: timeout)
        let answer = String(buffer: try await response.body.collect(upTo: answerLimit))
        guard response.status == .ok else {
            throw ClickHouseError.server(status: Int(response.status.code), message: answer.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return answer
    }

    static func percentEncode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }
}

public enum ClickHouseError: Error, CustomStringConvertible {
    case server(status: Int, message: String)
    case invalidURL(String)

    public var description: String {
        switch self {
        case .server(let status, let message): "ClickHouse answered \(status): \(message.prefix(500))"
        case .invalidURL(let reason): "CROUPIER_CLICKHOUSE_URL is not valid: \(reason)"
        }
    }
}

/// `http://user:password@host:port/database`.
public struct ClickHouseEndpoint: Sendable, Equatable {
    public let baseURL: String
    public let user: String
    public let password: String?
    public let database: String?

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme,
            ["http", "https"].contains(scheme), let host = components.host, !host.isEmpty
        else { throw ClickHouseError.invalidURL("expected http://user@host:port/database") }
        let port = components.port.map { ":\($0)" } ?? ""
        self.baseURL = "\(scheme)://\(host)\(port)"
        self.user = components.user ?? "default"
        self.password = components.password
        let path = String(components.path.drop(while: { $0 == "/" }))
        guard path.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ClickHouseError.invalidURL("the database name may hold only letters, digits and _")
        }
        self.database = path.isEmpty ? nil : path
    }

    private init(baseURL: String, user: String, password: String?, database: String?) {
        self.baseURL = baseURL
        self.user = user
        self.password = password
        self.database = database
    }

    /// The same server, another database.
    public func with(database: String) throws -> ClickHouseEndpoint {
        guard !database.isEmpty, database.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ClickHouseError.invalidURL("the database name may hold only letters, digits and _")
        }
        return ClickHouseEndpoint(baseURL: baseURL, user: user, password: password, database: database)
    }
}
