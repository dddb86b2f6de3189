import Core
import Foundation
import Ledger

/// What the live balances socket sends, one JSON text message each: `snapshot` (every balance,
/// first on every connection and again whenever updates may have been missed) and `balance` (one
/// currency's balances after a ledger transaction). Amounts are decimal strings at the
/// currency's ledger scale, as in `GET /api/v1/wallet`, never JSON numbers (docs/live.md).
enum LiveBalanceMessage {
    struct Entry: Encodable, Equatable {
        /// The ledger transaction the balances are as of (0: none yet), so a page can drop an
        /// update that arrives after the snapshot already showed it.
        let transaction: String
        let currency: String
        let real: String
        let bonus: String
        let locked: String

        init(_ balances: Balances, transaction: Int64, currency: Currency) {
            self.transaction = String(transaction)
            self.currency = currency.code
            self.real = Amount.decimal(units: balances.real, scale: currency.scale)
            self.bonus = Amount.decimal(units: balances.bonus, scale: currency.scale)
            self.locked = Amount.decimal(units: balances.locked, scale: currency.scale)
        }
    }

    private struct Balance: Encodable {
        let type = "balance"
        let transaction: String
        let currency: String
        let real: String
        let bonus: String
        let locked: String

        init(_ entry: Entry) {
            (transaction, currency, real, bonus, locked) = (entry.transaction, entry.currency, entry.real, entry.bonus, entry.locked)
        }
    }

    private struct Snapshot: Encodable {
        let type = "snapshot"
        let balances: [Entry]
    }

    /// Every balance the ledger holds for the player whose currency `catalog` knows, by currency code.
    static func snapshot(_ balances: [String: BalancesAsOf], catalog: [String: Currency]) -> String {
        let entries = balances.sorted { $0.key < $1.key }.compactMap { code, balances in
            catalog[code].map { Entry(balances.balances, transaction: balances.transaction, currency: $0) }
        }
        return encoded(Snapshot(balances: entries))
    }

    static func balance(_ update: BalanceUpdate, currency: Currency) -> String {
        encoded(Balance(Entry(update.balances, transaction: update.transaction, currency: currency)))
    }

    private static func encoded(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // Strings and arrays of strings always encode.
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }
}
