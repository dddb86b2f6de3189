import Core
import Foundation
import Hummingbird
import Ledger

/// The player's wallet: `GET /api/v1/wallet`, `GET /api/v1/wallet/transactions` (the contract
/// is Resources/openapi.yaml) and the `/wallet` page. Amounts leave as exact decimal strings
/// with their currency code, never as JSON numbers.
struct WalletController {
    let ledger: Ledger
    let currencies: CurrencyCatalog
    let pages: PageRenderer
    static let pageSize = 50

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/api/v1/wallet") { request, context in
            let player = try requirePlayer(context)
            let catalog = try await currencies.all()
            let balances = try await ledger.balances(of: player).sorted { $0.key < $1.key }
            let body = WalletResponse(
                balances: balances.compactMap { code, balances in
                    catalog[code].map { WalletResponse.Balance(balances, currency: $0) }
                })
            return try Self.json(body)
        }
        router.get("/api/v1/wallet/transactions") { request, context in
            let player = try requirePlayer(context)
            let catalog = try await currencies.all()
            let filter = try Self.filter(from: request, catalog: catalog, cursorName: "cursor")
            let page = try await ledger.history(of: player, filter: filter)
            let body = TransactionsResponse(
                transactions: page.entries.compactMap { entry in
                    catalog[entry.currency].map { TransactionsResponse.Entry(entry, currency: $0) }
                },
                nextCursor: page.nextCursor.map(String.init))
            return try Self.json(body)
        }
        router.get("/wallet") { request, context -> Response in
            guard let player = context.player else {
                return Response.redirect(to: SiteRoute.signIn.rawValue, type: .normal)
            }
            let catalog = try await currencies.all()
            let filter = try Self.filter(from: request, catalog: catalog, cursorName: "before")
            async let balances = ledger.balances(of: player)
            async let page = ledger.history(of: player, filter: filter)
            let view = WalletPage(
                language: Localization.language(for: request), localization: pages.localization, catalog: catalog,
                balances: try await balances, page: try await page, filter: filter,
                query: Dictionary(
                    request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first }))
            return pages.render("wallet", face: .player, title: "wallet.title", fields: view.fields, request: request, context: context)
        }
    }

    private func requirePlayer(_ context: AppRequestContext) throws -> PlayerID {
        guard let player = context.player else { throw AppError(.unauthorized, code: "notSignedIn") }
        return player
    }

    /// Filters from the query string; each bad value is refused by name.
    static func filter(from request: Request, catalog: [String: Currency], cursorName: String) throws -> HistoryFilter {
        let query = request.uri.queryParameters
        func value(_ name: String) -> String? {
            guard let text = query[Substring(name)], !text.isEmpty else { return nil }
            return String(text)
        }
        var filter = HistoryFilter(limit: pageSize)
        if let currency = value("currency") {
            guard catalog[currency] != nil else { throw AppError(.badRequest, code: "unknownCurrency") }
            filter.currency = currency
        }
        if let kinds = value("kind") {
            let list = kinds.split(separator: ",").map(String.init)
            guard list.allSatisfy(Movement.kinds.contains) else { throw AppError(.badRequest, code: "unknownKind") }
            filter.kinds = list
        }
        filter.from = try value("from").map { try date($0, name: "from") }
        filter.until = try value("until").map { try date($0, name: "until") }.map { day in
            // `until` names the last day included.
            value("until")?.count == 10 ? day.addingTimeInterval(86_400) : day
        }
        if let cursor = value(cursorName) {
            guard let id = Int64(cursor), id > 0 else { throw AppError(.badRequest, code: "invalidCursor") }
            filter.before = id
        }
        if let limit = value("limit") {
            guard let count = Int(limit), (1...200).contains(count) else { throw AppError(.badRequest, code: "invalidLimit") }
            filter.limit = count
        }
        return filter
    }

    /// `YYYY-MM-DD` (a UTC day) or a full ISO-8601 timestamp.
    static func date(_ text: String, name: String) throws -> Date {
        if text.count == 10, let day = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return day }
        if let instant = try? Date(text, strategy: .iso8601) { return instant }
        throw AppError(.badRequest, code: "invalidDate")
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return Response(
            status: .ok,
            headers: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(data: try encoder.encode(value))))
    }
}

struct WalletResponse: Encodable {
    struct Balance: Encodable {
        let currency: String
        let real: String
        let bonus: String
        let locked: String
        let withdrawable: String

        init(_ balances: Balances, currency: Currency) {
            self.currency = currency.code
            self.real = Amount.decimal(units: balances.real, scale: currency.scale)
            self.bonus = Amount.decimal(units: balances.bonus, scale: currency.scale)
            self.locked = Amount.decimal(units: balances.locked, scale: currency.scale)
            // Bonus money must be wagered first and locked money is already on its way out.
            self.withdrawable = self.real
        }
    }

    let balances: [Balance]
}

struct TransactionsResponse: Encodable {
    struct Amounts: Encodable {
        let real: String
        let bonus: String
        let locked: String

        init(_ balances: Balances, currency: Currency) {
            real = Amount.decimal(units: balances.real, scale: currency.scale)
            bonus = Amount.decimal(units: balances.bonus, scale: currency.scale)
            locked = Amount.decimal(units: balances.locked, scale: currency.scale)
        }
    }

    struct References: Encodable {
        let idempotencyKey: String
        let transaction: String?
        let metadata: [String: String]
    }

    struct Entry: Encodable {
        let id: String
        let kind: String
        let currency: String
        let createdAt: Date
        let amounts: Amounts
        let balanceAfter: Amounts
        let references: References

        init(_ entry: HistoryEntry, currency: Currency) {
            id = String(entry.transactionID)
            kind = entry.kind
            self.currency = entry.currency
            createdAt = entry.createdAt
            amounts = Amounts(entry.delta, currency: currency)
            balanceAfter = Amounts(entry.after, currency: currency)
            references = References(
                idempotencyKey: entry.idempotencyKey.description, transaction: entry.referenceTransactionID.map(String.init),
                metadata: entry.metadata)
        }
    }

    let transactions: [Entry]
    let nextCursor: String?
}
