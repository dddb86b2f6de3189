import Core
import PostgresNIO

/// A completed deposit, as another context sees it when it is told (a deposit bonus).
public struct CompletedDeposit: Sendable, Equatable {
    public let id: String
    public let player: PlayerID
    public let currency: String
    /// Ledger units credited.
    public let units: Int64
    /// The player's first completed deposit.
    public let firstDeposit: Bool

    public init(id: String, player: PlayerID, currency: String, units: Int64, firstDeposit: Bool) {
        self.id = id
        self.player = player
        self.currency = currency
        self.units = units
        self.firstDeposit = firstDeposit
    }
}

/// Told of every completed deposit inside its completion's transaction, after the credit, so
/// that what it writes commits with the deposit or not at all. Payments knows no observer: App
/// composes them (Bonuses' deposit bonuses). Each runs under a savepoint of its own: one that
/// fails is logged and undone alone, and the deposit still completes.
public protocol DepositCompletionObserver: Sendable {
    func depositCompleted(_ deposit: CompletedDeposit, on connection: PostgresConnection) async throws
}

/// Asked before a withdrawal request is recorded: another context's reason the player may not
/// withdraw in `currency` now (Bonuses: a bonus is running), as a refusal the cashier can name.
public protocol WithdrawalGate: Sendable {
    func refusal(player: PlayerID, currency: String) async throws -> WithdrawalRefusal?
}
