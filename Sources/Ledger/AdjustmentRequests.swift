import Core
import Foundation
import Logging
import PostgresNIO

/// Manual adjustments with four eyes (docs/ledger.md "Adjustment requests"): one staff member
/// asks for a credit or debit of a player's real balance; the money moves only when another one
/// approves, in the approval's transaction, keyed `adjustment_request:<id>`, so a request moves
/// money at most once. A request the owner must approve says so from the start. The ledger knows
/// staff only as actor strings (`staff:<id>`); the caller says whether the approver is an owner.
/// Every call runs on the caller's connection, so the caller's audit row commits with it.
public struct AdjustmentRequests: Sendable {
    public struct Draft: Sendable, Equatable {
        public let player: PlayerID
        public let currency: String
        /// Positive credits, negative debits.
        public let units: Int64
        public let reason: String
        public let requestedBy: String
        /// The requester's idempotency key: a retry answers the first request.
        public let key: String
        public let requiresOwner: Bool

        public init(
            player: PlayerID, currency: String, units: Int64, reason: String, requestedBy: String, key: String, requiresOwner: Bool
        ) {
            self.player = player
            self.currency = currency
            self.units = units
            self.reason = reason
            self.requestedBy = requestedBy
            self.key = key
            self.requiresOwner = requiresOwner
        }
    }

    public enum State: String, Sendable {
        case requested, approved, rejected, expired
    }

    public struct Request: Sendable, Equatable {
        public let id: Int64
        public let player: PlayerID
        public let currency: String
        public let units: Int64
        public let reason: String
        public let requestedBy: String
        public let requiresOwner: Bool
        public let requestedAt: Date
        public let expiresAt: Date
        /// `requested` past `expiresAt` reads `expired`.
        public let state: State
        public let decidedBy: String?
        public let decidedAt: Date?
        public let transactionID: Int64?
    }

    /// Who approves or rejects.
    public struct Decider: Sendable {
        public let actor: String
        public let isOwner: Bool

        public init(actor: String, isOwner: Bool) {
            self.actor = actor
            self.isOwner = isOwner
        }
    }

    /// Refused by name; nothing was written.
    public enum Refusal: String, Error, Sendable, Equatable {
        /// No request has the id.
        case notFound
        /// Approved, rejected or expired already.
        case notOpen
        /// The requester may reject (withdraw) their request but never approve it.
        case ownRequest
        /// The amount is at or above the operator's threshold: only an owner may approve.
        case ownerRequired
        /// The requester's key was used for another request.
        case keyReused
    }

    public static let lifetime: TimeInterval = 24 * 3600
    static let scope = "adjustment_request"
    /// A file constant, no input in it: what `\(unescaped:)` splices into this file's queries.
    static let columns = """
        id, player_id, currency, units, reason, requested_by, requires_owner, requested_at, expires_at, state, decided_by,
        decided_at, transaction_id
        """

    let ledger: Ledger

    public init(ledger: Ledger) { self.ledger = ledger }

    var logger: Logger { ledger.logger }

    /// The ledger's key for a request's money.
    public static func key(of request: Int64) -> IdempotencyKey { IdempotencyKey(scope: scope, key: String(request)) }

    /// Records a request, or answers the one this requester's key recorded before (`created`
    /// false); the same key for another request is `keyReused`.
    public func request(_ draft: Draft, at now: Date, on connection: PostgresConnection) async throws -> (request: Request, created: Bool) {
        let inserted = try await list(
            """
            INSERT INTO ledger_adjustment_requests (player_id, currency, units, reason, requested_by, request_key, requires_owner,
                                                    requested_at, expires_at)
            VALUES (\(draft.player.rawValue), \(draft.currency), \(draft.units), \(draft.reason), \(draft.requestedBy), \(draft.key),
                    \(draft.requiresOwner), \(now), \(now.addingTimeInterval(Self.lifetime)))
            ON CONFLICT (requested_by, request_key) DO NOTHING
            RETURNING \(unescaped: Self.columns)
            """, at: now, on: connection)
        if let request = inserted.first { return (request, true) }
        let earlier = try await list(
            """
            SELECT \(unescaped: Self.columns) FROM ledger_adjustment_requests
             WHERE requested_by = \(draft.requestedBy) AND request_key = \(draft.key)
            """, at: now, on: connection)
        guard let request = earlier.first,
            request.player == draft.player, request.currency == draft.currency, request.units == draft.units,
            request.reason == draft.reason
        else { throw Refusal.keyReused }
        return (request, false)
    }

    /// Approves an open request and moves its money. When the ledger refuses (a debit beyond the
    /// balance, say) nothing moves and the request stays open: the answer carries the ledger's code.
    public func approve(_ id: Int64, by decider: Decider, at now: Date, on connection: PostgresConnection) async throws -> (
        request: Request, outcome: Outcome
    ) {
        let request = try await lockOpen(id, at: now, on: connection)
        guard request.requestedBy != decider.actor else { throw Refusal.ownRequest }
        guard !request.requiresOwner || decider.isOwner else { throw Refusal.ownerRequired }
        let outcome = try await ledger.apply(
            LedgerOperation(
                key: Self.key(of: id), player: request.player, currency: request.currency, movement: .adjustment(units: request.units),
                metadata: [
                    "reason": request.reason, "actor": request.requestedBy, "approvedBy": decider.actor, "request": String(id),
                    "ownerRequired": String(request.requiresOwner), "approverOwner": String(decider.isOwner),
                ]),
            on: connection)
        guard outcome.code == .ok, let transaction = outcome.transactionID else { return (request, outcome) }
        let approved = try await list(
            """
            UPDATE ledger_adjustment_requests SET state = 'approved', decided_by = \(decider.actor), decided_at = \(now),
                   transaction_id = \(transaction), approver_is_owner = \(decider.isOwner)
             WHERE id = \(id) RETURNING \(unescaped: Self.columns)
            """, at: now, on: connection)
        return (approved[0], outcome)
    }

    /// Rejects an open request; its requester may too, to withdraw it.
    public func reject(_ id: Int64, by decider: Decider, at now: Date, on connection: PostgresConnection) async throws -> Request {
        _ = try await lockOpen(id, at: now, on: connection)
        return try await list(
            """
            UPDATE ledger_adjustment_requests SET state = 'rejected', decided_by = \(decider.actor), decided_at = \(now)
             WHERE id = \(id) RETURNING \(unescaped: Self.columns)
            """, at: now, on: connection)[0]
    }

    /// Requests waiting for a decision, oldest first.
    public func open(at now: Date) async throws -> [Request] {
        try await ledger.database.withConnection { connection in
            try await list(
                """
                SELECT \(unescaped: Self.columns) FROM ledger_adjustment_requests
                 WHERE state = 'requested' AND expires_at > \(now) ORDER BY id
                """, at: now, on: connection)
        }
    }

    /// A player's requests in every state, newest first.
    public func of(_ player: PlayerID, limit: Int = 20, at now: Date) async throws -> [Request] {
        try await ledger.database.withConnection { connection in
            try await list(
                """
                SELECT \(unescaped: Self.columns) FROM ledger_adjustment_requests
                 WHERE player_id = \(player.rawValue) ORDER BY id DESC LIMIT \(limit)
                """, at: now, on: connection)
        }
    }

    private func lockOpen(_ id: Int64, at now: Date, on connection: PostgresConnection) async throws -> Request {
        let rows = try await list(
            "SELECT \(unescaped: Self.columns) FROM ledger_adjustment_requests WHERE id = \(id) FOR UPDATE", at: now, on: connection)
        guard let request = rows.first else { throw Refusal.notFound }
        guard request.state == .requested else { throw Refusal.notOpen }
        return request
    }

    private func list(_ query: PostgresQuery, at now: Date, on connection: PostgresConnection) async throws -> [Request] {
        var requests: [Request] = []
        let rows = try await connection.query(query, logger: logger)
        for try await (
            id, player, currency, units, reason, requestedBy, requiresOwner, requestedAt, expiresAt, state, decidedBy, decidedAt,
            transaction
        ) in rows.decode(
            (Int64, Int64, String, Int64, String, String, Bool, Date, Date, String, String?, Date?, Int64?).self)
        {
            guard let stored = State(rawValue: state) else { throw LedgerError.unexpectedResult(state) }
            requests.append(
                Request(
                    id: id, player: PlayerID(player), currency: currency, units: units, reason: reason, requestedBy: requestedBy,
                    requiresOwner: requiresOwner, requestedAt: requestedAt, expiresAt: expiresAt,
                    state: stored == .requested && expiresAt <= now ? .expired : stored, decidedBy: decidedBy, decidedAt: decidedAt,
                    transactionID: transaction))
        }
        return requests
    }
}
