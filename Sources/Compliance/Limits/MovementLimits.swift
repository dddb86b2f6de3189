import Core
import Foundation
import PostgresNIO

/// A request refused by the player's KYC level limits: which limit, how much of it is left, and
/// what the next level needs, so the player knows what to do (docs/compliance.md "Limits").
public struct LimitRefusal: Error, Sendable, Equatable {
    public let direction: LimitDirection
    public let window: LimitWindow
    /// The pivot currency the figures are in.
    public let pivot: String
    /// The limit and what is left of it, exact decimal text in the pivot (`100.00000`).
    public let limit: String
    public let left: String
    /// The player's level, and the next one (nil at the top).
    public let level: Int
    public let nextLevel: Int?
    /// What the next level needs that the player has not done (a document waiting for review is
    /// not missing: it is listed with `awaitingReview`).
    public let nextRequirements: [RequirementStatus]

    public var missing: [KYCRequirement] { nextRequirements.filter { $0.state != .met }.map(\.requirement) }

    public init(
        direction: LimitDirection, window: LimitWindow, pivot: String, limit: String, left: String, level: Int, nextLevel: Int?,
        nextRequirements: [RequirementStatus]
    ) {
        self.direction = direction
        self.window = window
        self.pivot = pivot
        self.limit = limit
        self.left = left
        self.level = level
        self.nextLevel = nextLevel
        self.nextRequirements = nextRequirements
    }
}

/// Why the limits check refused a deposit or withdrawal.
public enum MovementRefusal: Error, Sendable, Equatable {
    case limitReached(LimitRefusal)
    /// No FX rate for this currency was valid when one of the movements summed happened (or
    /// now): the check cannot sum, so it refuses (fails closed).
    case rateMissing(currency: String)
}

/// Compliance's answer to "may this player move this money now?", asked by Payments inside the
/// transaction that writes the request (docs/compliance.md "Limits"). The check takes the
/// player's Compliance lock, held until that transaction ends, so a concurrent request of the
/// same player waits and then counts this one.
public protocol MovementLimits: Sendable {
    /// nil when admitted. `units` are ledger units of `currency`.
    func admit(player: PlayerID, direction: LimitDirection, currency: String, units: Int64, on connection: PostgresConnection) async throws
        -> MovementRefusal?
}

extension LimitRefusal {
    /// The refusal in English, for the API and logs; the pages say it in the player's language
    /// from the fields.
    public var message: String {
        let movements = direction == .deposit ? "deposits" : "withdrawals"
        let period = window == .day ? "24 hours" : "30 days"
        var text = "Level L\(level) allows \(movements) of \(limit) \(pivot) in \(period); \(left) \(pivot) is left."
        if let nextLevel {
            let needed = missing.map(\.rawValue).joined(separator: ", ")
            text += needed.isEmpty ? " Apply for level L\(nextLevel) to raise it." : " Level L\(nextLevel) needs: \(needed)."
        }
        return text
    }
}
