import Core
import Ledger

/// The ledger's currencies, read once on first use. Currencies are added by migrations, so a
/// process sees a new one after a restart.
actor CurrencyCatalog {
    private let ledger: Ledger
    private var loaded: [String: Currency]?

    init(ledger: Ledger) {
        self.ledger = ledger
    }

    func all() async throws -> [String: Currency] {
        if let loaded { return loaded }
        let currencies = try await ledger.currencies()
        loaded = currencies
        return currencies
    }
}
