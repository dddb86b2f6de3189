import Foundation
import Persistence
import Schema
import ServiceLifecycle
import TestSupport
import Testing

@testable import App

/// `croupier worker` checks the schema as `serve` does before any background service starts.
@Suite struct WorkerSchemaTests {
    /// Says when the service group has started its services, then waits for shutdown.
    struct Started: Service {
        let continuation: AsyncStream<Void>.Continuation

        func run() async throws {
            continuation.yield()
            try await gracefulShutdown()
        }
    }

    /// Runs the worker's services until they have all been started, then shuts them down:
    /// whatever the worker refused to do comes out as the error.
    static func runWorker(_ dependencies: AppDependencies) async throws {
        let (started, continuation) = AsyncStream.makeStream(of: Void.self)
        let group = ServiceGroup(
            services: dependencies.workerServices(logger: TestServices.logger) + [Started(continuation: continuation)],
            logger: TestServices.logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for await _ in started { break }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func theWorkerRefusesAnUnmigratedDatabaseNamingTheMigration() async throws {
        try await TestDatabase.withEmpty { database in
            let dependencies = try AppDependencies(configuration: try testConfiguration(database: database), logger: TestServices.logger)
            await #expect(
                throws: MigrationError.pending(
                    engine: "postgres", count: try MigrationSet.postgres().migrations.count, first: "0001_outbox.sql")
            ) {
                try await Self.runWorker(dependencies)
            }
        }
    }

    @Test func theWorkerMigratesWhenAskedTo() async throws {
        try await TestDatabase.withEmpty { database in
            let dependencies = try AppDependencies(
                configuration: try testConfiguration(database: database, migrateOnStart: true), logger: TestServices.logger)
            try await Self.runWorker(dependencies)
            let migrator = PostgresMigrator(database: database, migrations: try .postgres(), logger: TestServices.logger)
            #expect(try await migrator.pending().isEmpty)
        }
    }
}
