import InMemoryTracing
import PostgresNIO
import TestSupport
import Testing
import Tracing

@testable import Persistence

/// The span of a borrowed connection or transaction (docs/operations.md, "Traces"): inside a
/// trace only, named by its caller, with the database's conventions and no SQL values.
@Suite struct DatabaseSpanTests {
    struct Refusal: Error, CustomStringConvertible {
        var description: String { "refused player@example.com" }
    }

    static let secretValue = "bound-parameter-4242"

    static func withTracedDatabase(_ tracer: InMemoryTracer, _ body: (Database) async throws -> Void) async throws {
        try await TestDatabase.withEmpty { plain in
            let traced = Database(url: plain.url, maximumConnections: 2, logger: TestServices.logger, tracer: tracer)
            try await traced.running { try await body(traced) }
        }
    }

    /// Every attribute's value as text (`SpanAttributes` offers only `forEach`).
    static func values(_ span: FinishedInMemorySpan) -> String {
        String(describing: span.attributes)
    }

    @Test func aBorrowInsideATraceIsAChildSpanNamedByItsCaller() async throws {
        let tracer = InMemoryTracer()
        var databaseName = ""
        try await Self.withTracedDatabase(tracer) { database in
            databaseName = database.url.database
            try await tracer.withSpan("request") { _ in
                try await database.withConnection { connection in
                    _ = try await connection.query("SELECT \(Self.secretValue)::text", logger: TestServices.logger).collect()
                }
            }
        }
        let request = try #require(tracer.finishedSpans.first { $0.operationName == "request" })
        let sql = try #require(tracer.finishedSpans.first { $0.kind == .client })
        #expect(tracer.finishedSpans.count == 2)
        #expect(sql.operationName == "postgresql PersistenceTests.aBorrowInsideATraceIsAChildSpanNamedByItsCaller")
        #expect(sql.traceID == request.traceID)
        #expect(sql.parentSpanID == request.spanID)
        #expect(sql.attributes.get("db.system") == .string("postgresql"))
        #expect(sql.attributes.get("db.namespace") == .string(databaseName))
        #expect(sql.attributes.get("code.file.path") == .string("PersistenceTests/DatabaseSpanTests.swift"))
        #expect(sql.status == nil)
        #expect(Self.values(sql).contains(databaseName), "the text holds the values: \(Self.values(sql))")
        #expect(!Self.values(sql).contains(Self.secretValue))
    }

    @Test func noSpanStartsOutsideATrace() async throws {
        let tracer = InMemoryTracer()
        try await Self.withTracedDatabase(tracer) { database in
            try await database.withConnection { connection in
                _ = try await connection.query("SELECT 1", logger: TestServices.logger).collect()
            }
            try await database.withTransaction(logger: TestServices.logger) { connection in
                _ = try await connection.query("SELECT 1", logger: TestServices.logger).collect()
            }
        }
        #expect(tracer.finishedSpans.isEmpty)
        #expect(tracer.activeSpans.isEmpty)
    }

    @Test func aFailedTransactionMarksItsSpanWithTheErrorTypeOnly() async throws {
        let tracer = InMemoryTracer()
        try await Self.withTracedDatabase(tracer) { database in
            await #expect(throws: Refusal.self) {
                try await tracer.withSpan("request") { _ in
                    try await database.withTransaction(logger: TestServices.logger) { _ -> Void in throw Refusal() }
                }
            }
        }
        let sql = try #require(tracer.finishedSpans.first { $0.kind == .client })
        #expect(sql.operationName == "postgresql PersistenceTests.aFailedTransactionMarksItsSpanWithTheErrorTypeOnly transaction")
        #expect(sql.status?.code == .error)
        #expect(sql.attributes.get("error.type") == .string(String(reflecting: Refusal.self)))
        #expect(sql.errors.isEmpty, "the error's description is not recorded")
        #expect(Self.values(sql).contains("Refusal") && !Self.values(sql).contains("example.com"))
    }

    @Test func theCallSiteNameIsTheModuleAndTheFunctionsBaseName() {
        let site = DatabaseSpan.CallSite(function: "apply(_:checks:followUps:hookArguments:)", fileID: "Ledger/Ledger+Hooks.swift", line: 7)
        #expect(site.name == "Ledger.apply")
        #expect(DatabaseSpan.name(.connection, site) == "postgresql Ledger.apply")
        #expect(DatabaseSpan.name(.transaction, site) == "postgresql Ledger.apply transaction")
    }
}
