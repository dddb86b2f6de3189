import Core
import Foundation
import PostgresNIO

/// One deposit or withdrawal as Compliance sees it: what limits and AML rules sum. Payments owns
/// the records and answers through `MoneyMovementHistory`; Compliance never reads its tables.
public struct MoneyMovement: Sendable, Equatable {
    public enum Direction: String, Sendable { case deposit, withdrawal }

    /// `open`: asked for and not ended (a deposit not paid yet, a withdrawal not paid out yet);
    /// `completed`: the money moved (a deposit credited, a withdrawal paid).
    public enum Stage: String, Sendable { case open, completed }

    public let direction: Direction
    /// The deposit's or withdrawal's public id (`dep_…`, `wdr_…`).
    public let reference: String
    public let player: PlayerID
    public let gateway: String
    public let currency: String
    /// Ledger units of `currency`.
    public let units: Int64
    public let stage: Stage
    /// When the player asked for it (a withdrawal: when they confirmed it with the mailed code
    /// and its funds were held): limits count a movement from then.
    public let requestedAt: Date
    /// When a deposit was credited or a withdrawal paid; nil while open.
    public let completedAt: Date?
    /// Where a withdrawal goes (the destination the player gave); nil for deposits, whose payment
    /// method the gateways do not tell.
    public let destination: String?

    public init(
        direction: Direction, reference: String, player: PlayerID, gateway: String, currency: String, units: Int64, stage: Stage,
        requestedAt: Date, completedAt: Date?, destination: String?
    ) {
        self.direction = direction
        self.reference = reference
        self.player = player
        self.gateway = gateway
        self.currency = currency
        self.units = units
        self.stage = stage
        self.requestedAt = requestedAt
        self.completedAt = completedAt
        self.destination = destination
    }
}

/// Payments' answer to "what money did this player move?" (implemented by Payments, which
/// depends on Compliance; DESIGN §2). Every method reads on the caller's connection, so inside
/// the caller's transaction and under its locks.
public protocol MoneyMovementHistory: Sendable {
    /// The player's deposits and withdrawals asked for since `since`, oldest first, leaving out
    /// those that ended without moving money (failed, expired, cancelled, rejected, and
    /// withdrawals still waiting for the player's code).
    func movements(of player: PlayerID, since: Date, on connection: PostgresConnection) async throws -> [MoneyMovement]

    /// Players other than `player` who asked for a withdrawal to `destination` through `gateway`
    /// (whatever its state, since a destination tried once is a link between accounts).
    func otherPlayers(withDestination destination: String, gateway: String, besides player: PlayerID, on connection: PostgresConnection)
        async throws -> [PlayerID]

    /// Players with a deposit or withdrawal asked for since `since`: the scheduled AML scan's list.
    func activePlayers(since: Date, on connection: PostgresConnection) async throws -> [PlayerID]
}
