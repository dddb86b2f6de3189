import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Ledger
import Logging
import Persistence
import TestSupport

@testable import App

/// A test configuration pointing at this test's own databases.
func testConfiguration(
    database: Database, clickHouseURL: String? = nil, migrateOnStart: Bool = false, maxBodyBytes: Int = 1 << 20,
    environment: Core.Environment = .test
) throws -> Configuration {
    let url = database.url
    return Configuration(
        environment: environment,
        httpHost: "127.0.0.1",
        httpPort: 0,
        publicURL: "http://127.0.0.1",
        databaseURL: "postgres://\(url.username)@\(url.host):\(url.port)/\(url.database)",
        databasePoolSize: 8,
        natsURL: try TestServices.natsURL(),
        natsStream: TestServices.uniqueStreamName(),
        clickHouseURL: try clickHouseURL ?? TestServices.clickHouseURL(),
        secretKey: .random(),
        migrateOnStart: migrateOnStart,
        maxBodyBytes: maxBodyBytes,
        publicDirectory: packageRoot().appendingPathComponent("public").path,
        telegram: TelegramSettings(botToken: testBotToken),
        // bcrypt at cost 12 takes seconds in a debug build on a loaded machine; what is tested
        // here is the flow, not the cost.
        staffBcryptCost: 4)
}

let testBotToken = "7000001:AAH-test-token-for-croupier"

/// Tests run from the package root under `swift test`, but do not rely on it.
func packageRoot() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Runs `body` against the whole application (background services included) on a fresh,
/// migrated database and a JetStream stream of its own, deleted afterwards. `configure` adjusts
/// the test configuration first; `now` stops the clock of time windows at that instant.
func withTestApp(
    configure: (inout Configuration) -> Void = { _ in }, now: Date? = nil,
    _ body: @escaping @Sendable (any TestClientProtocol, AppDependencies, Database) async throws -> Void
) async throws {
    try await TestDatabase.with { database in
        var configuration = try testConfiguration(database: database)
        configure(&configuration)
        var built = try AppDependencies(configuration: configuration, logger: TestServices.logger)
        if let now { built.now = { now } }
        let dependencies = built
        let app = try await buildApplication(dependencies: dependencies, logger: TestServices.logger)
        let outcome: Result<Void, any Error>
        do {
            outcome = .success(try await app.test(.live) { client in try await body(client, dependencies, database) })
        } catch {
            outcome = .failure(error)
        }
        try await TestServices.deleteStream(configuration.natsStream)
        try outcome.get()
    }
}

func withLiveApp(
    clickHouseURL: String? = nil, maxBodyBytes: Int = 1 << 20, environment: Core.Environment = .test,
    _ body: @escaping @Sendable (any TestClientProtocol, Ledger) async throws -> Void
) async throws {
    try await withTestApp(
        configure: { configuration in
            if let clickHouseURL { configuration.clickHouseURL = clickHouseURL }
            configuration.maxBodyBytes = maxBodyBytes
            configuration.environment = environment
        },
        { client, dependencies, _ in try await body(client, dependencies.ledger) })
}

func withLiveApp(
    clickHouseURL: String? = nil, maxBodyBytes: Int = 1 << 20, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    try await withLiveApp(clickHouseURL: clickHouseURL, maxBodyBytes: maxBodyBytes) { client, _ in try await body(client) }
}

/// The cookie of a player session as sign-in starts one: how tests act as a signed-in player.
func playerSession(_ player: Int64, _ database: Database) async throws -> HTTPFields {
    let token = try await SessionStore(database: database, logger: TestServices.logger).start(
        .player(PlayerID(player)), policy: .player, userAgent: "test", ip: "127.0.0.1")
    return [.cookie: "\(PlayerSessionMiddleware.cookieName)=\(token)"]
}

/// Signs a new staff member of `role` in through the staff API and returns their cookies (the
/// session and the CSRF seed), as a browser would hold them.
func staffSessionCookies(_ client: any TestClientProtocol, _ database: Database, _ secret: SecretKey, role: StaffRole) async throws
    -> String
{
    let email = "\(role.rawValue)@casino.example"
    let uri = try await StaffDirectory(database: database, secret: secret, logger: TestServices.logger, bcryptCost: 4)
        .create(email: email, password: "a long enough password", role: role).otpauth
    let response = try await client.execute(
        uri: "/api/v1/staff/login", method: .post, headers: [.contentType: "application/json"],
        body: ByteBuffer(
            string: #"{"email":"\#(email)","password":"a long enough password","totp":"\#(RFC6238.code(uri: uri, at: Date()))"}"#))
    return response.headers[values: .setCookie].compactMap { $0.split(separator: ";").first.map(String.init) }.joined(separator: "; ")
}

/// Asks `/health/ready` until it answers 200 and returns that answer. Start-up on a busy machine
/// can leave a dependency `pending` for a while; the bound only catches a hang.
func readyAnswer(_ client: any TestClientProtocol, bound: Duration = .seconds(120)) async throws -> TestResponse {
    let clock = ContinuousClock()
    let deadline = clock.now + bound
    while true {
        let response = try await client.execute(uri: "/health/ready", method: .get)
        if response.status == .ok || clock.now > deadline { return response }
        try await Task.sleep(for: .milliseconds(100))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func json() throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any] ?? [:]
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-ID")!
}
