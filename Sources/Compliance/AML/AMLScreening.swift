import Core
import PostgresNIO

/// The withdrawal screening with the AML rules (docs/compliance.md): the rules before it
/// (`inner`, e.g. `WithdrawalRules`) and then the AML engine, in the hold's transaction. The
/// engine always runs, so its alerts are raised whatever `inner` says; `inner`'s review wins
/// (its reason is not AML's, and a cleared case must not release it). A blocking hit, or an open
/// case with a blocking alert, sends the withdrawal to `review` with an `aml…` reason.
public struct AMLScreening: WithdrawalScreening {
    let inner: any WithdrawalScreening
    let engine: AMLEngine

    public init(inner: any WithdrawalScreening = WithdrawalRules(), engine: AMLEngine) {
        self.inner = inner
        self.engine = engine
    }

    public func screen(_ facts: WithdrawalFacts, on connection: PostgresConnection) async throws -> WithdrawalVerdict {
        let first = try await inner.screen(facts, on: connection)
        let decision = try await engine.withdrawalRequested(facts, on: connection)
        if case .review = first { return first }
        switch decision {
        case .proceed: return .proceed
        case .blockingHit(let missingRate):
            let reason = missingRate ? AMLReviewReason.missingRate : AMLReviewReason.blockingRule
            return .review(code: reason.code, reason: reason.text)
        case .openBlockingCase:
            return .review(code: AMLReviewReason.openCase.code, reason: AMLReviewReason.openCase.text)
        }
    }
}

/// What Payments tells Compliance when a deposit is credited, in the completion's transaction.
public protocol DepositMonitoring: Sendable {
    func depositCompleted(_ reference: String, of player: PlayerID, on connection: PostgresConnection) async throws
}

extension AMLEngine: DepositMonitoring {
    public func depositCompleted(_ reference: String, of player: PlayerID, on connection: PostgresConnection) async throws {
        _ = try await evaluateDeposit(reference, of: player, on: connection)
    }
}
