import Compliance
import Core
import Foundation

/// One withdrawal as the player and staff see it (docs/payments.md, "Withdrawals").
public struct Withdrawal: Sendable, Equatable {
    /// The table's trigger refuses any move the migration does not list.
    public enum State: String, Sendable, CaseIterable {
        case awaitingConfirmation = "awaiting_confirmation"
        case review
        case pendingApproval = "pending_approval"
        case approved, processing, unknown, paid, failed, rejected, cancelled

        /// The player may still cancel: nothing was sent to the gateway.
        public var cancellable: Bool { [.awaitingConfirmation, .review, .pendingApproval, .approved].contains(self) }
        /// The funds sit in `locked`.
        public var holdsFunds: Bool { [.review, .pendingApproval, .approved, .processing, .unknown].contains(self) }
        public var settled: Bool { [.paid, .failed, .rejected, .cancelled].contains(self) }
    }

    /// `wdr_` and 22 random URL-safe characters.
    public let id: String
    public let player: PlayerID
    public let gateway: String
    public let currency: String
    /// Ledger units leaving the player's balance, and of them the gateway's fee.
    public let units: Int64
    public let feeUnits: Int64
    public let destination: String
    public let state: State
    /// Why it waits, failed, was rejected or cancelled, in words the player can act on (English).
    public let reason: String?
    /// The same as a code the pages say in the player's language; nil for staff's own words.
    public let reasonCode: String?
    /// 2 when two different staff members must approve it.
    public let approvalsNeeded: Int
    public let approvers: [Int64]
    public let createdAt: Date
    public let settledAt: Date?
}

/// Why a withdrawal request, confirmation or cancellation was refused. Nothing was written,
/// except that a wrong code counts as an attempt.
public enum WithdrawalRefusal: Error, Sendable, Equatable {
    case unknownGateway(String)
    case gatewayTakesNoPayouts(String)
    case unsupportedCurrency(String)
    case amount(GatewayAmountProblem)
    case destinationInvalid(String)
    /// More than the real balance (bonus and held money cannot be withdrawn).
    case aboveWithdrawable(available: String)
    case notFound
    /// It has moved past the point where this can happen (cancel after processing started).
    case notCancellable
    case codeInvalid
    case codeLocked
    case codeSendTooSoon
    /// Over a limit of the player's KYC level (docs/compliance.md "Limits"): which, what is
    /// left, and what the next level needs. At confirmation (limits or rates changed since the
    /// request), the withdrawal also ends `failed` with nothing held.
    case limitReached(LimitRefusal)
    /// No FX rate for this currency (or one the player moved before): refused (fails closed).
    case rateMissing(String)
    /// A bonus is running in this currency (docs/bonuses.md): the player forfeits it first.
    case bonusActive(String)
    /// Staff blocked the player (Identity's `PlayerBlocks`): no withdrawal request until the
    /// block is lifted. A closure (under 18) still lets the player take their money out.
    case playerBlocked

    public var code: String {
        switch self {
        case .unknownGateway: "unknownGateway"
        case .gatewayTakesNoPayouts: "gatewayTakesNoPayouts"
        case .unsupportedCurrency: "unsupportedCurrency"
        case .amount(let problem): problem.code
        case .destinationInvalid: "destinationInvalid"
        case .aboveWithdrawable: "insufficientFunds"
        case .notFound: "withdrawalNotFound"
        case .notCancellable: "withdrawalNotCancellable"
        case .codeInvalid: "codeInvalid"
        case .codeLocked: "codeLocked"
        case .codeSendTooSoon: "resendTooSoon"
        case .limitReached: "limitReached"
        case .rateMissing: "rateMissing"
        case .bonusActive: "bonusActive"
        case .playerBlocked: "playerBlocked"
        }
    }

    public var message: String {
        switch self {
        case .unknownGateway(let code): "There is no payment method \(code.debugDescription): pick one of those offered."
        case .gatewayTakesNoPayouts(let code): "\(code) does not pay out: pick another payment method."
        case .unsupportedCurrency(let code): "This payment method does not pay out \(code): pick another currency or method."
        case .amount(let problem): problem.message("withdrawal")
        case .destinationInvalid(let problem): problem
        case .aboveWithdrawable(let available): "You can withdraw up to \(available): bonus money and pending withdrawals do not count."
        case .notFound: "There is no such withdrawal."
        case .notCancellable: "The payout has started and can no longer be cancelled."
        case .codeInvalid: "The code is wrong or expired: check the latest e-mail, or ask for a new code."
        case .codeLocked: "Too many wrong codes: ask for a new code."
        case .codeSendTooSoon: "A code was sent less than a minute ago: check your e-mail, or wait a little."
        case .limitReached(let limit): limit.message
        case .rateMissing(let currency): "Withdrawals in \(currency) are paused: the casino has no exchange rate for it yet."
        case .bonusActive(let currency): "A bonus is running in \(currency): forfeit it first to withdraw."
        case .playerBlocked: "This account is blocked: contact support."
        }
    }
}

/// Why a withdrawal is where it is: one of the platform's own reasons, which the pages say in
/// the player's language by its code, or words of staff (a rejection) with no code.
public struct WithdrawalNote: Sendable, Equatable {
    public let code: String?
    public let text: String

    public init(code: String?, text: String) {
        self.code = code
        self.text = text
    }

    static let balanceFell = WithdrawalNote(
        code: "balanceFell", text: "Your balance fell below the amount before you confirmed: nothing was taken.")
    static let gatewaySwitchedOff = WithdrawalNote(
        code: "gatewaySwitchedOff", text: "This payment method was switched off: nothing was held. Pick another one.")
    static let cancelledByPlayer = WithdrawalNote(code: "cancelledByPlayer", text: "Cancelled by you: the money is back in your balance.")
    static let replacedByNewer = WithdrawalNote(code: "replacedByNewer", text: "Replaced by a newer request.")
    static let noRecordAtGateway = WithdrawalNote(
        code: "noRecordAtGateway", text: "The payment method has no record of this payout. The money is back in your balance.")
    static let unknownOutcome = WithdrawalNote(
        code: "unknownOutcome", text: "The payment method has not confirmed the payout yet: the money stays held until it does.")
    /// A refusal met when the player confirmed (a limit, a running bonus): nothing was held.
    static func refusedAtConfirmation(_ refusal: WithdrawalRefusal) -> WithdrawalNote {
        WithdrawalNote(code: refusal.code, text: refusal.message + " Nothing was held.")
    }
    static let playerBlocked = WithdrawalNote(
        code: "playerBlocked", text: "This account is blocked: the payout waits. Contact support.")
    static let chargebackReview = WithdrawalNote(
        code: "chargebackReview", text: "A refund or dispute took money back from this account: the casino checks before paying out.")

    /// The gateway refused the payout, in its own words (kept in English for staff and the API).
    static func payoutFailed(_ gatewayReason: String) -> WithdrawalNote {
        WithdrawalNote(code: "payoutFailed", text: "\(gatewayReason) The money is back in your balance.")
    }

    static func ledgerRefused(_ code: String) -> WithdrawalNote {
        WithdrawalNote(code: "ledgerRefused", text: "The wallet refused the hold (\(code)).")
    }
}
