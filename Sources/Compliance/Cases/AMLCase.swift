import Core
import Foundation
import PostgresNIO

/// One player's AML case: the alerts that gathered in it, staff's comments, who works on it and,
/// once closed, its outcome.
public struct AMLCase: Sendable, Equatable {
    public enum State: String, Sendable, CaseIterable { case open, closed }

    /// - `cleared`: nothing wrong found; the withdrawals held for AML are released;
    /// - `confirmed`: suspicion confirmed; the withdrawals held for AML are rejected and the
    ///   player's real money is frozen (the account restricted);
    /// - `reported`: a report was filed with the regulator (its reference kept); money stays as it is.
    public enum Outcome: String, Sendable, CaseIterable { case cleared, confirmed, reported }

    public let id: Int64
    public let player: PlayerID
    public let state: State
    /// An open case with a blocking alert holds every withdrawal of its player.
    public let blocking: Bool
    public let alertCount: Int
    public let assignee: Int64?
    public let outcome: Outcome?
    public let reportReference: String?
    public let closingNote: String?
    public let closedBy: Int64?
    public let openedAt: Date
    public let closedAt: Date?
}

public struct AMLCaseComment: Sendable, Equatable {
    public let id: Int64
    public let staff: Int64
    public let body: String
    public let at: Date
}

/// Real money a staff member froze (`compliance_freezes`, the ledger's `freeze`).
public struct ComplianceFreeze: Sendable, Equatable {
    public let id: Int64
    public let player: PlayerID
    public let caseID: Int64?
    public let currency: String
    public let units: Int64
    public let reason: String
    public let frozenBy: Int64
    public let frozenAt: Date
    public let unfrozenBy: Int64?
    public let unfrozenAt: Date?

    public var active: Bool { unfrozenAt == nil }
}

/// Why staff could not act on a case, an alert or a freeze. Nothing was written.
public enum AMLCaseRefusal: Error, Sendable, Equatable {
    case caseNotFound
    case alertNotFound
    case freezeNotFound
    case caseClosed
    /// The alert belongs to another player, or is closed.
    case alertNotAttachable
    case commentMissing
    case noteMissing
    case reportReferenceMissing
    case reasonMissing
    case amountInvalid
    /// The freeze is more than the player's real balance (or the ledger refused it).
    case insufficientFunds
    case alreadyUnfrozen

    public var code: String {
        switch self {
        case .caseNotFound: "caseNotFound"
        case .alertNotFound: "alertNotFound"
        case .freezeNotFound: "freezeNotFound"
        case .caseClosed: "caseClosed"
        case .alertNotAttachable: "alertNotAttachable"
        case .commentMissing: "commentMissing"
        case .noteMissing: "noteMissing"
        case .reportReferenceMissing: "reportReferenceMissing"
        case .reasonMissing: "reasonMissing"
        case .amountInvalid: "amountInvalid"
        case .insufficientFunds: "insufficientFunds"
        case .alreadyUnfrozen: "alreadyUnfrozen"
        }
    }
}

/// What Payments does with the withdrawals Compliance held in `review` for AML when a case
/// closes (Payments implements it; it runs on the case's connection, in its transaction).
public protocol AMLHeldWithdrawals: Sendable {
    /// `cleared`: each moves on as a confirmation would (approved, or waiting for approval);
    /// answers their references.
    func release(player: PlayerID, staff: Int64, on connection: PostgresConnection) async throws -> [String]
    /// `confirmed`: each is rejected with `reason` and its hold returned to real money.
    func reject(player: PlayerID, staff: Int64, reason: String, on connection: PostgresConnection) async throws -> [String]
}

/// Whether a player's withdrawals must wait (Payments asks before sending a payout).
public protocol AMLPayoutHolds: Sendable {
    func holdsWithdrawals(of player: PlayerID, on connection: PostgresConnection) async throws -> Bool
}

/// The reason codes the AML screening gives a withdrawal it sends to `review` (the pages say
/// them in the player's language from the `aml.reasons` keys).
public enum AMLReviewReason {
    public static let blockingRule = (code: "amlReview", text: "The casino checks this withdrawal, as anti-money-laundering rules ask.")
    public static let openCase = (code: "amlCaseOpen", text: "The casino is reviewing this account: withdrawals wait until it is done.")
    public static let missingRate = (
        code: "amlMissingRate", text: "The casino could not check this withdrawal automatically: a person checks it."
    )
    /// Every code above: the withdrawals a cleared case releases.
    public static let codes = [blockingRule.code, openCase.code, missingRate.code]
}
