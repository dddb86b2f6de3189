import Core
import Foundation
import PostgresNIO

/// What Payments tells Compliance about a withdrawal it is about to hold.
public struct WithdrawalFacts: Sendable, Equatable {
    public let player: PlayerID
    public let gateway: String
    public let currency: String
    /// Ledger units of `currency`.
    public let units: Int64
    /// The player's completed deposits in this currency, ever.
    public let completedDeposits: Int
    /// What the player owes in this currency after refunds or disputes took back more than their
    /// balance held (ledger units, 0 when nothing).
    public let debtUnits: Int64
    /// The withdrawal's id (`wdr_…`): AML alerts raised on it name it.
    public let reference: String?
    /// Where it goes, as the player gave it.
    public let destination: String?
    /// When the player asked for it (before confirming the code).
    public let requestedAt: Date?

    public init(
        player: PlayerID, gateway: String, currency: String, units: Int64, completedDeposits: Int, debtUnits: Int64 = 0,
        reference: String? = nil, destination: String? = nil, requestedAt: Date? = nil
    ) {
        self.player = player
        self.gateway = gateway
        self.currency = currency
        self.units = units
        self.completedDeposits = completedDeposits
        self.debtUnits = debtUnits
        self.reference = reference
        self.destination = destination
        self.requestedAt = requestedAt
    }
}

public enum WithdrawalVerdict: Sendable, Equatable {
    case proceed
    /// The withdrawal is held and waits in `review` for risk staff, with this reason (shown to
    /// the player too, in their language by `code`; `reason` is its English text).
    case review(code: String, reason: String)
}

/// The Compliance context's answer to "may this withdrawal proceed?" (DESIGN §6). Payments asks
/// inside the transaction that holds the funds, under the player's lock, so a check that sums
/// earlier movements sees every one of them.
public protocol WithdrawalScreening: Sendable {
    func screen(_ facts: WithdrawalFacts, on connection: PostgresConnection) async throws -> WithdrawalVerdict
}

/// The rules applied today (docs/payments.md, "Withdrawals"). KYC levels, limits and the AML
/// rules engine extend this list.
public struct WithdrawalRules: WithdrawalScreening {
    public init() {}

    public func screen(_ facts: WithdrawalFacts, on connection: PostgresConnection) async throws -> WithdrawalVerdict {
        // Money that never came in through a gateway (bonuses converted, staff credits, wins on
        // them) leaves only after a person looked: the classic "withdrawal without deposit".
        // A refund or dispute took back money that was spent or is being withdrawn: paying out now
        // would pay the same money twice.
        if facts.debtUnits > 0 {
            return .review(code: "reviewDebt", reason: "A refund or dispute left a debt: the casino checks before paying out.")
        }
        if facts.completedDeposits == 0 {
            return .review(code: "reviewNoDeposit", reason: "No deposit in this currency yet: the casino checks where the money came from.")
        }
        return .proceed
    }
}
