import Core
import Foundation
import Identity
import Ledger
import Persistence

/// Staff's manual adjustments with four eyes (docs/back-office.md "Adjustments"): one staff
/// member with `money.adjust` asks, another approves, and only then does the money move. From
/// `CROUPIER_ADJUSTMENT_OWNER_FROM` in the currency (and in any currency it does not list) only
/// an owner may approve. Each step and its audit row commit in one transaction; a refused
/// approval that would pass the second pair of eyes (one's own, or above one's role) is audited
/// too.
struct AdjustmentApprovals: Sendable {
    let adjustments: StaffAdjustment
    let requests: AdjustmentRequests
    let audit: AuditLog
    let owners: OwnerThreshold
    let now: @Sendable () -> Date

    var database: Database { adjustments.database }

    /// Records a request (nothing moves), or answers the one this staff member's key recorded.
    func request(_ order: StaffAdjustment.Order, ip: String, requestID: String) async throws -> (AdjustmentRequests.Request, Currency) {
        let (units, currency) = try await adjustments.validated(order)
        let draft = AdjustmentRequests.Draft(
            player: PlayerID(order.player), currency: currency.code, units: units,
            reason: order.reason.trimmingCharacters(in: .whitespacesAndNewlines), requestedBy: order.actor, key: order.key,
            requiresOwner: owners.requiresOwner(units: units, currency: currency))
        let request = try await database.withTransaction(logger: adjustments.ledger.logger) { connection in
            let (request, created) = try await requests.request(draft, at: now(), on: connection)
            if created {
                _ = try await audit.append(
                    AuditEntry(
                        actor: order.actor, action: "money.adjustment_requested", target: "player:\(order.player)",
                        summary: [
                            "request": String(request.id), "amount": order.amount, "currency": currency.code, "reason": draft.reason,
                            "ownerRequired": String(request.requiresOwner),
                        ], ip: ip, requestID: requestID), on: connection)
            }
            return request
        }
        return (request, currency)
    }

    /// Approves and moves the money, or answers the ledger's refusal with the request still open.
    func approve(_ id: Int64, by staff: StaffMember, ip: String, requestID: String) async throws -> (
        request: AdjustmentRequests.Request, outcome: Outcome
    ) {
        let decider = AdjustmentRequests.Decider(actor: "staff:\(staff.id)", isOwner: staff.role == .owner)
        do {
            return try await database.withTransaction(logger: adjustments.ledger.logger) { connection in
                let (request, outcome) = try await requests.approve(id, by: decider, at: now(), on: connection)
                _ = try await audit.append(
                    AuditEntry(
                        actor: decider.actor, action: outcome.code == .ok ? "money.adjusted" : "money.adjustment_failed",
                        target: "player:\(request.player.rawValue)",
                        summary: [
                            "request": String(id), "requestedBy": request.requestedBy, "units": String(request.units),
                            "currency": request.currency, "code": outcome.code.rawValue, "reason": request.reason,
                            "approverRole": staff.role.rawValue, "ownerRequired": String(request.requiresOwner),
                        ], ip: ip, requestID: requestID), on: connection)
                return (request, outcome)
            }
        } catch let refusal as AdjustmentRequests.Refusal where refusal == .ownRequest || refusal == .ownerRequired {
            _ = try await audit.append(
                AuditEntry(
                    actor: decider.actor, action: "money.adjustment_refused", target: "adjustment:\(id)",
                    summary: ["refusal": refusal.rawValue, "role": staff.role.rawValue], ip: ip, requestID: requestID))
            throw refusal
        }
    }

    /// Rejects an open request (its requester withdraws it the same way).
    func reject(_ id: Int64, by staff: StaffMember, ip: String, requestID: String) async throws -> AdjustmentRequests.Request {
        let decider = AdjustmentRequests.Decider(actor: "staff:\(staff.id)", isOwner: staff.role == .owner)
        return try await database.withTransaction(logger: adjustments.ledger.logger) { connection in
            let request = try await requests.reject(id, by: decider, at: now(), on: connection)
            _ = try await audit.append(
                AuditEntry(
                    actor: decider.actor, action: "money.adjustment_rejected", target: "player:\(request.player.rawValue)",
                    summary: ["request": String(id), "requestedBy": request.requestedBy], ip: ip, requestID: requestID),
                on: connection)
            return request
        }
    }
}
