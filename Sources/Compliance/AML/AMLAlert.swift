import Core
import Foundation

/// What tripped a rule, kept with its alert so that staff see the movements and sums, not just a
/// verdict. Amounts are ledger units (of the movement's currency, or of the pivot for `pivot…`).
public struct AMLEvidence: Codable, Sendable, Equatable {
    public struct Movement: Codable, Sendable, Equatable {
        public let reference: String
        public let direction: String
        public let gateway: String
        public let currency: String
        public let units: Int64
        /// Its value in the pivot at its time; nil when no rate was valid then.
        public let pivotUnits: Int64?
        public let at: Date
        public let destination: String?
    }

    public var pivot: String
    public var movements: [Movement] = []
    public var pivotSum: Int64?
    /// The rule's threshold in pivot units, as it was when the rule fired.
    public var thresholdUnits: Int64?
    public var windowFrom: Date?
    public var windowTo: Date?
    /// Stakes since the first deposit, per currency, and their pivot sum (low wagering).
    public var turnover: [String: Int64]?
    public var turnoverPivot: Int64?
    public var ratio: String?
    /// Payment methods and destinations seen (payment methods).
    public var methods: [String]?
    /// The other players who asked for a withdrawal to the same destination.
    public var otherPlayers: [Int64]?
    public var country: String?
    public var lastActivity: Date?
    public var dormantDays: Int?
    /// The currency without a rate: the rule could not sum and fails closed.
    public var missingRate: String?

    public init(pivot: String) { self.pivot = pivot }
}

/// A rule's hit: one alert per evidence.
public struct AMLAlert: Sendable, Equatable {
    public enum Source: String, Sendable, Codable { case deposit, withdrawal, schedule }
    public enum State: String, Sendable, CaseIterable { case open, closed }

    public let id: Int64
    public let player: PlayerID
    public let rule: AMLRuleCode
    public let blocking: Bool
    public let source: Source
    public let summary: String
    public let evidence: AMLEvidence
    public let withdrawal: String?
    public let caseID: Int64?
    public let state: State
    public let raisedAt: Date
}

/// A hit before it is stored.
struct AMLHit: Sendable {
    let rule: AMLRuleCode
    let blocking: Bool
    /// What makes this evidence this evidence: the stored alert's idempotency key is built from it.
    let identity: String
    let summary: String
    let evidence: AMLEvidence
}
