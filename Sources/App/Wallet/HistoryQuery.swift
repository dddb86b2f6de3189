import Core
import Foundation
import Ledger

/// The wallet history's filters as a query string gives them (the `/wallet` page and
/// `GET /api/v1/wallet/transactions`). Each bad value is refused by name; an empty one counts as
/// absent.
struct HistoryQuery {
    static let defaultLimit = 50

    var currency: String?
    var kind: String?
    /// `YYYY-MM-DD` (a UTC day) or an ISO-8601 instant.
    var from: String?
    /// The last day included (`YYYY-MM-DD`), or the first instant excluded (ISO-8601).
    var until: String?
    /// The previous page's last transaction id.
    var cursor: String?
    var limit: String?

    func filter(catalog: [String: Currency]) throws -> HistoryFilter {
        func given(_ value: String?) -> String? { value?.isEmpty == false ? value : nil }
        var filter = HistoryFilter(limit: Self.defaultLimit)
        if let currency = given(currency) {
            guard catalog[currency] != nil else { throw AppError(.badRequest, code: .unknownCurrency) }
            filter.currency = currency
        }
        if let kinds = given(kind) {
            let list = kinds.split(separator: ",").map(String.init)
            guard list.allSatisfy(Movement.kinds.contains) else { throw AppError(.badRequest, code: .unknownKind) }
            filter.kinds = list
        }
        filter.from = try given(from).map(Self.date)
        filter.until = try given(until).map(Self.end)
        if let cursor = given(cursor) {
            guard let id = Int64(cursor), id > 0 else { throw AppError(.badRequest, code: .invalidCursor) }
            filter.before = id
        }
        if let limit = given(limit) {
            guard let count = Int(limit), (1...200).contains(count) else { throw AppError(.badRequest, code: .invalidLimit) }
            filter.limit = count
        }
        return filter
    }

    /// The first instant excluded by `until`: the day after a `YYYY-MM-DD`, or the instant given.
    static func end(_ text: String) throws -> Date {
        let moment = try date(text)
        return text.count == 10 ? moment.addingTimeInterval(86_400) : moment
    }

    static func date(_ text: String) throws -> Date {
        if text.count == 10, let day = try? Date(text + "T00:00:00Z", strategy: .iso8601) { return day }
        if let instant = try? Date(text, strategy: .iso8601) { return instant }
        throw AppError(.badRequest, code: .invalidDate)
    }
}
