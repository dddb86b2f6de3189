import Ledger
import PostgresNIO
import TestSupport
import Testing

@testable import App

@Suite struct CurrencyCatalogTests {
    @Test func aCurrencyAddedWhileRunningIsFoundOnFirstUse() async throws {
        try await TestDatabase.with { database in
            let catalog = CurrencyCatalog(ledger: Ledger(database: database, logger: TestServices.logger))
            #expect(try await catalog.all()["EUR"] != nil)
            #expect(try await catalog.currency("XTS") == nil)
            try await database.withConnection { connection in
                try await connection.query(
                    "INSERT INTO ledger_currencies (code, scale, kind) VALUES ('XTS', 2, 'fiat')", logger: TestServices.logger
                ).collect()
            }
            #expect(try await catalog.currency("XTS")?.scale == 2, "the list is read again for a code it lacked")
        }
    }
}
