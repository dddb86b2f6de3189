import Persistence
import Reporting
import Schema

/// A ClickHouse database of its own per test, migrated, and dropped afterwards.
public enum TestClickHouse {
    public static func with<T: Sendable>(migrated: Bool = true, _ body: (ClickHouseClient) async throws -> T) async throws -> T {
        let base = try ClickHouseEndpoint(TestServices.clickHouseURL())
        let name = TestServices.uniqueName("test")
        let client = ClickHouseClient(endpoint: try base.with(database: name))
        if migrated {
            try await ClickHouseMigrator(client: client, migrations: try .clickHouse(), logger: TestServices.logger).migrate()
        }
        let outcome: Result<T, any Error>
        do {
            outcome = .success(try await body(client))
        } catch {
            outcome = .failure(error)
        }
        // The name is generated here from [a-z0-9_].
        try await client.execute("DROP DATABASE IF EXISTS \(name)", database: .some(nil))
        return try outcome.get()
    }
}
