import Core
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Manual grants with four eyes (docs/bonuses.md "Staff"): one staff member asks, another
/// decides within 24 hours; the requester never approves their own request, and a request the
/// caller marked as needing an owner (the grant's worth against the operator's threshold) is
/// approved only by one. Approval grants in
/// the same transaction, keyed `manual:<request id>`, so a request grants at most once.
public struct GrantRequests: Sendable {
    public struct Request: Sendable, Equatable {
        public let id: Int64
        public let player: PlayerID
        public let campaignID: Int64
        public let campaignName: String
        public let depositUnits: Int64
        public let note: String
        public let requestedBy: Int64
        public let requestedAt: Date
        public let expiresAt: Date
        public let requiresOwner: Bool
    }

    public static let lifetime: TimeInterval = 24 * 3600

    let grants: Grants

    public init(grants: Grants) { self.grants = grants }

    var logger: Logger { grants.logger }

    /// Records a request; refused by name (nothing written) for a campaign not enabled or an empty note.
    public func request(
        campaign: Int64, player: PlayerID, depositUnits: Int64 = 0, note: String, staff: Int64, requiresOwner: Bool = false
    ) async throws -> Request {
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...500).contains(note.count) else { throw GrantRequestRefusal.noteRequired }
        guard depositUnits >= 0 else { throw GrantRequestRefusal.badAmount }
        let now = grants.now()
        return try await grants.database.withConnection { connection in
            let rows = try await list(
                """
                WITH inserted AS (
                    INSERT INTO bonuses_grant_requests (player_id, campaign_id, deposit_units, note, requested_by, requested_at, expires_at,
                                                        requires_owner)
                    SELECT \(player.rawValue), id, \(depositUnits), \(note), \(staff), \(now), \(now.addingTimeInterval(Self.lifetime)),
                           \(requiresOwner)
                      FROM bonuses_campaigns WHERE id = \(campaign) AND enabled
                    RETURNING *)
                SELECT r.id, r.player_id, r.campaign_id, c.name, r.deposit_units, r.note, r.requested_by, r.requested_at, r.expires_at,
                       r.requires_owner
                  FROM inserted r JOIN bonuses_campaigns c ON c.id = r.campaign_id
                """, on: connection)
            guard let request = rows.first else { throw GrantRefusal.campaignNotEnabled }
            return request
        }
    }

    /// Requests still waiting for a decision and not expired, oldest first.
    public func open() async throws -> [Request] {
        try await grants.database.withConnection { connection in
            try await list(
                """
                SELECT r.id, r.player_id, r.campaign_id, c.name, r.deposit_units, r.note, r.requested_by, r.requested_at, r.expires_at,
                       r.requires_owner
                  FROM bonuses_grant_requests r JOIN bonuses_campaigns c ON c.id = r.campaign_id
                 WHERE r.state = 'requested' AND r.expires_at > \(grants.now()) ORDER BY r.id
                """, on: connection)
        }
    }

    /// Approves (granting) or rejects an open request. Refused by name, nothing written: another
    /// staff member must decide (`ownRequest`), an owner must approve one that needs one
    /// (`ownerRequired`), an expired or decided one (`notOpen`). Answers the grant an approval
    /// gave, nil when the player already has a running bonus in that currency.
    public func decide(_ id: Int64, approve: Bool, staff: Int64, isOwner: Bool = false) async throws -> Grant? {
        try await grants.database.withTransaction(logger: logger) { connection in
            let rows = try await list(
                """
                SELECT r.id, r.player_id, r.campaign_id, c.name, r.deposit_units, r.note, r.requested_by, r.requested_at, r.expires_at,
                       r.requires_owner
                  FROM bonuses_grant_requests r JOIN bonuses_campaigns c ON c.id = r.campaign_id
                 WHERE r.id = \(id) AND r.state = 'requested' AND r.expires_at > \(grants.now()) FOR UPDATE OF r
                """, on: connection)
            guard let request = rows.first else { throw GrantRequestRefusal.notOpen }
            guard request.requestedBy != staff else { throw GrantRequestRefusal.ownRequest }
            guard !approve || !request.requiresOwner || isOwner else { throw GrantRequestRefusal.ownerRequired }
            var granted: Grant?
            if approve {
                guard
                    let campaign = try await Campaigns.list(
                        "SELECT \(unescaped: Campaigns.columns) FROM bonuses_campaigns WHERE id = \(request.campaignID) AND enabled",
                        on: connection, logger: logger
                    ).first
                else { throw GrantRefusal.campaignNotEnabled }
                granted = try await grants.grant(
                    campaign, to: request.player, depositUnits: request.depositUnits, source: "manual:\(id)", on: connection)
            }
            try await connection.query(
                """
                UPDATE bonuses_grant_requests SET state = \(approve ? "approved" : "rejected"), decided_by = \(staff),
                       decided_at = \(grants.now()), grant_id = \(granted?.id)
                 WHERE id = \(id)
                """, logger: logger
            ).collect()
            return granted
        }
    }

    private func list(_ query: PostgresQuery, on connection: PostgresConnection) async throws -> [Request] {
        var requests: [Request] = []
        let rows = try await connection.query(query, logger: logger)
        for try await (id, player, campaign, name, deposit, note, by, at, expires, requiresOwner) in rows.decode(
            (Int64, Int64, Int64, String, Int64, String, Int64, Date, Date, Bool).self)
        {
            requests.append(
                Request(
                    id: id, player: PlayerID(player), campaignID: campaign, campaignName: name, depositUnits: deposit, note: note,
                    requestedBy: by, requestedAt: at, expiresAt: expires, requiresOwner: requiresOwner))
        }
        return requests
    }
}

/// Why a manual grant request or decision was refused; nothing was written.
public enum GrantRequestRefusal: String, Error, Sendable, Equatable {
    case noteRequired, badAmount, notOpen, ownRequest, ownerRequired
}
