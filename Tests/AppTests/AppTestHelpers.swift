import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import Logging
import Persistence
import TestSupport

@testable import App

/// A test configuration pointing at this test's own databases.
func testConfiguration(
    database: Database, clickHouseURL: String? = nil, migrateOnStart: Bool = false, maxBodyBytes: Int = 1 << 20, environment: Core.Environment = .test
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
        clickHouseURL: try clickHouseURL ?? TestServices.clickHouseURL(),
        secretKey: .random(),
        migrateOnStart: migrateOnStart,
        maxBodyBytes: maxBodyBytes,
        publicDirectory: packageRoot().appendingPathComponent("public").path,
        telegram: TelegramSettings(botToken: testBotToken))
}

let testBotToken = "7000001:AAH-test-token-for-croupier"

/// Tests run from the package root under `swift test`, but do not rely on it.
func packageRoot() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Runs `body` against the whole application (background services included) on a fresh,
/// migrated database.
func withLiveApp(
    clickHouseURL: String? = nil, maxBodyBytes: Int = 1 << 20, environment: Core.Environment = .test,
    _ body: @escaping @Sendable (any TestClientProtocol, Ledger) async throws -> Void
) async throws {
    try await TestDatabase.with { database in
        let configuration = try testConfiguration(database: database, clickHouseURL: clickHouseURL, maxBodyBytes: maxBodyBytes, environment: environment)
        let dependencies = try AppDependencies(configuration: configuration, logger: TestServices.logger)
        let app = try await buildApplication(dependencies: dependencies, logger: TestServices.logger)
        try await app.test(.live) { client in try await body(client, dependencies.ledger) }
    }
}

func withLiveApp(
    clickHouseURL: String? = nil, maxBodyBytes: Int = 1 << 20, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
) async throws {
    try await withLiveApp(clickHouseURL: clickHouseURL, maxBodyBytes: maxBodyBytes) { client, _ in try await body(client) }
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
