import Core
import Foundation

/// The AML rules the engine knows (docs/compliance.md, "AML rules, alerts and cases"). Their
/// settings are data (`compliance_aml_rules`), edited by staff with `risk.manage`; the defaults
/// (migration 0025) and their sources:
/// - `deposits24h`: deposits of EUR 2,000 or more within 24 h, across currencies and gateways —
///   EU AMLD4 (Directive 2015/849) recital 21 and art. 11(d), the gambling CDD threshold;
/// - `lowWagering` (blocking): a withdrawal after deposits of the last 30 days with stakes since
///   the first of them below 1× their sum — the "deposit, then withdraw with little play" red flag;
/// - `structuring`: 3 deposits in 7 days, each within 20% under EUR 2,000 — FATF/UKGC red flag;
/// - `paymentMethods`: 4 payment methods or destinations in 7 days — UKGC emerging AML risks
///   (February 2024: multiple cards and third-party methods);
/// - `sharedDestination` (blocking): a withdrawal to a destination another player asked for;
/// - `highRiskCountry` (blocking): the player's country in the list, by default FATF's call for
///   action (June 2025: KP, IR, MM);
/// - `dormantAccount`: no ledger activity for 180 days, then a movement of EUR 1,000 or more
///   (UKGC: CDD on transfers of funds over EUR 1,000).
public enum AMLRuleCode: String, Sendable, CaseIterable, Codable {
    case deposits24h = "deposits_24h"
    case lowWagering = "low_wagering"
    case structuring
    case paymentMethods = "payment_methods"
    case sharedDestination = "shared_destination"
    case highRiskCountry = "high_risk_country"
    case dormantAccount = "dormant_account"

    /// Which parameters the rule reads (the console edits only these).
    public var parameters: Set<AMLRuleParameter> {
        switch self {
        case .deposits24h: [.threshold, .window]
        case .lowWagering: [.window, .ratio]
        case .structuring: [.threshold, .window, .count, .margin]
        case .paymentMethods: [.window, .count]
        case .sharedDestination: []
        case .highRiskCountry: [.countries]
        case .dormantAccount: [.threshold, .dormantDays]
        }
    }
}

public enum AMLRuleParameter: String, Sendable, CaseIterable {
    case threshold, window, ratio, count, margin, dormantDays, countries
}

/// One rule's settings as stored. Decimal settings stay decimal text (exact).
public struct AMLRule: Sendable, Equatable {
    public let code: AMLRuleCode
    public var enabled: Bool
    public var blocking: Bool
    /// Whole units of the pivot currency, decimal text.
    public var threshold: String?
    public var windowHours: Int?
    /// Stakes needed per unit deposited, decimal text.
    public var ratio: String?
    public var minCount: Int?
    public var marginPercent: Int?
    public var dormantDays: Int?
    /// ISO 3166-1 alpha-2 codes, upper case.
    public var countries: [String]
    public let updatedBy: String
    public let updatedAt: Date

    public init(
        code: AMLRuleCode, enabled: Bool, blocking: Bool, threshold: String? = nil, windowHours: Int? = nil, ratio: String? = nil,
        minCount: Int? = nil, marginPercent: Int? = nil, dormantDays: Int? = nil, countries: [String] = [], updatedBy: String = "",
        updatedAt: Date = Date()
    ) {
        self.code = code
        self.enabled = enabled
        self.blocking = blocking
        self.threshold = threshold
        self.windowHours = windowHours
        self.ratio = ratio
        self.minCount = minCount
        self.marginPercent = marginPercent
        self.dormantDays = dormantDays
        self.countries = countries
        self.updatedBy = updatedBy
        self.updatedAt = updatedAt
    }

    var window: TimeInterval { TimeInterval(windowHours ?? 24) * 3600 }

    /// The threshold in ledger units of a currency of `scale` decimals; nil when none is set.
    func thresholdUnits(scale: Int) -> Int64? {
        threshold.flatMap { try? Amount.units(fromDecimal: $0, scale: scale) }
    }

    /// The ratio in ten-thousandths (1 → 10,000), exact.
    var ratioBasisPoints: Int64 { ratio.flatMap { try? Amount.units(fromDecimal: $0, scale: 4) } ?? 10_000 }
}

/// Why a rule's settings were refused.
public enum AMLRuleProblem: Error, Sendable, Equatable {
    case unknownRule
    case invalid(AMLRuleParameter)

    public var code: String {
        switch self {
        case .unknownRule: "unknownRule"
        case .invalid(let parameter): "invalid_\(parameter.rawValue)"
        }
    }
}
