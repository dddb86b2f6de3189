import AppAPI
import Core
import Foundation
import Ledger

/// The player's wallet. Amounts leave as exact decimal strings with their currency code, never as
/// JSON numbers.
extension CroupierAPI {
    func getWallet(_ input: Operations.GetWallet.Input) async throws -> Operations.GetWallet.Output {
        let player = try APIRequestScope.required().signedInPlayer()
        let catalog = try await currencies.all()
        let balances = try await ledger.balances(of: player).sorted { $0.key < $1.key }
        let listed = balances.compactMap { code, balances in catalog[code].map { Components.Schemas.Balance(balances, currency: $0) } }
        return .ok(.init(body: .json(.init(balances: listed))))
    }

    func listWalletTransactions(_ input: Operations.ListWalletTransactions.Input) async throws -> Operations.ListWalletTransactions.Output {
        let player = try APIRequestScope.required().signedInPlayer()
        let catalog = try await currencies.all()
        let query = input.query
        let filter = try HistoryQuery(
            currency: query.currency, kind: query.kind, from: query.from, until: query.until, cursor: query.cursor, limit: query.limit
        ).filter(catalog: catalog)
        let page = try await ledger.history(of: player, filter: filter)
        let entries = try page.entries.compactMap { entry in
            try catalog[entry.currency].map { try Components.Schemas.Transaction(entry, currency: $0) }
        }
        return .ok(.init(body: .json(.init(transactions: entries, nextCursor: page.nextCursor.map(String.init)))))
    }
}

extension Components.Schemas.Balance {
    init(_ balances: Balances, currency: Currency) {
        let real = Amount.decimal(units: balances.real, scale: currency.scale)
        // Bonus money must be wagered first and locked money is already on its way out.
        self.init(
            currency: currency.code, real: real, bonus: Amount.decimal(units: balances.bonus, scale: currency.scale),
            locked: Amount.decimal(units: balances.locked, scale: currency.scale), withdrawable: real)
    }
}

extension Components.Schemas.Amounts {
    init(_ balances: Balances, currency: Currency) {
        self.init(
            real: Amount.decimal(units: balances.real, scale: currency.scale),
            bonus: Amount.decimal(units: balances.bonus, scale: currency.scale),
            locked: Amount.decimal(units: balances.locked, scale: currency.scale))
    }
}

extension Components.Schemas.Transaction {
    /// A kind the contract does not list would break every client's decoding, so it is a 500 here
    /// (and a test keeps the contract's list equal to the ledger's).
    init(_ entry: HistoryEntry, currency: Currency) throws {
        guard let kind = KindPayload(rawValue: entry.kind) else { throw AppError(.internalServerError, code: .internalError) }
        self.init(
            id: String(entry.transactionID), kind: kind, currency: entry.currency, createdAt: entry.createdAt,
            amounts: .init(entry.delta, currency: currency), balanceAfter: .init(entry.after, currency: currency),
            references: .init(
                idempotencyKey: entry.idempotencyKey.description, transaction: entry.referenceTransactionID.map(String.init),
                metadata: .init(additionalProperties: entry.metadata)))
    }
}
