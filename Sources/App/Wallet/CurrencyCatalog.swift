import Core
import Ledger

/// The ledger's currencies, read on first use and again whenever a code is asked for that the
/// copy in memory lacks: a currency added while the process runs (by a migration on another
/// copy, or by an operator in SQL) is found on its first use instead of after a restart. A
/// currency's scale never changes once created, so a code already known needs no re-read.
actor CurrencyCatalog {
    private let ledger: Ledger
    private var loaded: [String: Currency]?

    init(ledger: Ledger) {
        self.ledger = ledger
    }

    func all() async throws -> [String: Currency] {
        if let loaded { return loaded }
        return try await reload()
    }

    /// The currency `code`, re-reading the ledger's list once when it is not known yet.
    func currency(_ code: String) async throws -> Currency? {
        if let known = try await all()[code] { return known }
        return try await reload()[code]
    }

    /// The currency of money the ledger already holds (a deposit's, a withdrawal's): it cannot be
    /// missing, so its absence is the server's fault, answered 500.
    func recorded(_ code: String) async throws -> Currency {
        guard let currency = try await currency(code) else { throw AppError(.internalServerError, code: .internalError) }
        return currency
    }

    private func reload() async throws -> [String: Currency] {
        let currencies = try await ledger.currencies()
        loaded = currencies
        return currencies
    }
}
