import Compliance
import Core
import Foundation

/// One deposit as the player and staff see it (docs/payments.md, "Deposits").
public struct Deposit: Sendable, Equatable {
    /// created → pending → completed | failed | expired; the table refuses any other move.
    public enum State: String, Sendable, CaseIterable {
        case created, pending, completed, failed, expired
    }

    /// `dep_` and 22 random URL-safe characters: what the player, the API and the gateway see.
    public let id: String
    public let player: PlayerID
    public let gateway: String
    public let currency: String
    /// Ledger units of `currency`.
    public let units: Int64
    public let state: State
    /// The gateway's page the player pays on, while the deposit is pending.
    public let redirectURL: String?
    /// Why it failed or expired, in words the player can act on.
    public let reason: String?
    public let firstDeposit: Bool
    public let createdAt: Date
    public let completedAt: Date?
}

/// Why a deposit was not created. Nothing was written, except for `gatewayUnavailable`, which
/// leaves the deposit `failed` with that reason.
public enum DepositRefusal: Error, Sendable, Equatable {
    case unknownGateway(String)
    case gatewayTakesNoDeposits(String)
    case unsupportedCurrency(String)
    case amount(GatewayAmountProblem)
    case gatewayUnavailable(String)
    /// Over a limit of the player's KYC level (docs/compliance.md "Limits"): which, what is
    /// left, and what the next level needs.
    case limitReached(LimitRefusal)
    /// No FX rate for this currency (or one the player moved before): the limits cannot be
    /// summed, so the deposit is refused (fails closed).
    case rateMissing(String)
    /// The player is closed or disabled: no new money comes in.
    case playerDisabled
    /// The player's own deposit limit, time-out or self-exclusion (docs/player-protection.md).
    case protection(ProtectionRefusal)

    public var code: String {
        switch self {
        case .unknownGateway: "unknownGateway"
        case .gatewayTakesNoDeposits: "gatewayTakesNoDeposits"
        case .unsupportedCurrency: "unsupportedCurrency"
        case .amount(let problem): problem.code
        case .gatewayUnavailable: "gatewayUnavailable"
        case .limitReached: "limitReached"
        case .rateMissing: "rateMissing"
        case .playerDisabled: "playerDisabled"
        case .protection(let refusal): refusal.code
        }
    }

    public var message: String {
        switch self {
        case .unknownGateway(let code): "There is no payment method \(code.debugDescription): pick one of those offered."
        case .gatewayTakesNoDeposits(let code): "\(code) does not take deposits: pick another payment method."
        case .unsupportedCurrency(let code): "This payment method does not take \(code): pick another currency or method."
        case .amount(let problem): problem.message("deposit")
        case .gatewayUnavailable: "The payment method did not answer: try again in a minute, or pick another."
        case .limitReached(let limit): limit.message
        case .rateMissing(let currency): "Deposits in \(currency) are paused: the casino has no exchange rate for it yet."
        case .playerDisabled: "This account is closed to deposits: contact support."
        case .protection(let refusal): refusal.message
        }
    }
}
