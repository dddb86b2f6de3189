import Core
import Foundation
import PostgresNIO

/// One ledger transaction as a player sees it in their history.
public struct HistoryEntry: Sendable, Hashable {
    public let transactionID: Int64
    public let kind: String
    public let currency: String
    public let delta: Balances
    public let after: Balances
    public let idempotencyKey: IdempotencyKey
    public let referenceTransactionID: Int64?
    public let metadata: [String: String]
    public let createdAt: Date
}

public struct HistoryFilter: Sendable {
    public var currency: String?
    public var kinds: [String]
    public var from: Date?
    public var until: Date?
    /// Entries older than this transaction id (the previous page's `nextCursor`).
    public var before: Int64?
    public var limit: Int

    public init(currency: String? = nil, kinds: [String] = [], from: Date? = nil, until: Date? = nil, before: Int64? = nil, limit: Int = 50)
    {
        self.currency = currency
        self.kinds = kinds
        self.from = from
        self.until = until
        self.before = before
        self.limit = limit
    }
}

public struct HistoryPage: Sendable {
    public let entries: [HistoryEntry]
    /// Pass as `before` for the next (older) page; nil on the last page.
    public let nextCursor: Int64?
}

extension Ledger {
    /// Newest first, keyset-paginated on the transaction id so pages never skip or repeat.
    public func history(of player: PlayerID, filter: HistoryFilter) async throws -> HistoryPage {
        let limit = max(1, min(filter.limit, 200))
        let kinds = filter.kinds.isEmpty ? nil : filter.kinds
        let query: PostgresQuery = """
            SELECT id, kind, currency, real_delta, bonus_delta, locked_delta, real_after, bonus_after, locked_after,
                   idempotency_scope, idempotency_key, reference_id, metadata::text, created_at
              FROM ledger_transactions
             WHERE player_id = \(player.rawValue)
               AND (\(filter.currency)::text IS NULL OR currency = \(filter.currency))
               AND (\(kinds)::text[] IS NULL OR kind = ANY(\(kinds)))
               AND (\(filter.from)::timestamptz IS NULL OR created_at >= \(filter.from))
               AND (\(filter.until)::timestamptz IS NULL OR created_at < \(filter.until))
               AND (\(filter.before)::bigint IS NULL OR id < \(filter.before))
             ORDER BY id DESC
             LIMIT \(limit + 1)
            """
        return try await database.withConnection { connection in
            var entries: [HistoryEntry] = []
            let rows = try await connection.query(query, logger: logger)
            for try await row in rows {
                let (id, kind, currency, realDelta, bonusDelta, lockedDelta, realAfter, bonusAfter, lockedAfter) =
                    try row.decode((Int64, String, String, Int64, Int64, Int64, Int64, Int64, Int64).self)
                let columns = row.makeRandomAccess()
                let metadataText = try columns[12].decode(String.self)
                let metadata = (try? JSONSerialization.jsonObject(with: Data(metadataText.utf8)) as? [String: String]) ?? [:]
                entries.append(
                    HistoryEntry(
                        transactionID: id, kind: kind, currency: currency,
                        delta: Balances(real: realDelta, bonus: bonusDelta, locked: lockedDelta),
                        after: Balances(real: realAfter, bonus: bonusAfter, locked: lockedAfter),
                        idempotencyKey: IdempotencyKey(scope: try columns[9].decode(String.self), key: try columns[10].decode(String.self)),
                        referenceTransactionID: try columns[11].decode(Int64?.self),
                        metadata: metadata,
                        createdAt: try columns[13].decode(Date.self)))
            }
            let hasMore = entries.count > limit
            if hasMore { entries.removeLast() }
            return HistoryPage(entries: entries, nextCursor: hasMore ? entries.last?.transactionID : nil)
        }
    }
}
