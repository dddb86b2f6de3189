import Core
import Foundation

/// A bonus campaign (docs/bonuses.md): what it grants, to whom, and the terms every grant of it
/// copies. Amounts are ledger units of `currency`.
public struct Campaign: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// `matchPercent` of the deposit, at most `amountUnits`.
        case depositMatch = "deposit_match"
        /// `amountUnits`, whatever the deposit.
        case fixed
        /// `FreeSpinTerms.spins` rounds of `amountUnits` each on one game, awarded at the provider;
        /// what they win becomes the bonus (docs/bonuses.md "Free spins").
        case freeSpins = "free_spins"
    }

    public enum Eligibility: Sendable, Equatable {
        /// The player's first completed deposit.
        case firstDeposit
        /// A completed deposit after the player entered this code in the cashier.
        case code(String)
    }

    public enum WageringBase: String, Sendable, Equatable {
        case bonus
        case bonusAndDeposit = "bonus_and_deposit"
    }

    public let id: Int64
    public let terms: CampaignTerms
    public let enabled: Bool

    public init(id: Int64, terms: CampaignTerms, enabled: Bool) {
        self.id = id
        self.terms = terms
        self.enabled = enabled
    }
}

/// A campaign's rules, as staff write them and grants copy them.
public struct CampaignTerms: Sendable, Equatable {
    public var name: String
    public var currency: String
    public var kind: Campaign.Kind
    /// For a deposit match: 1–1000 (percent of the deposit).
    public var matchPercent: Int?
    /// A deposit match's cap, or a fixed bonus's amount.
    public var amountUnits: Int64
    public var eligibility: Campaign.Eligibility
    /// 0–100: the bonus (or bonus + deposit) is wagered this many times before it converts.
    public var wageringMultiplier: Int
    public var wageringBase: Campaign.WageringBase
    public var maxBetUnits: Int64?
    public var expiryDays: Int
    /// What converts to real at most; the rest is forfeited. Nil: no cap.
    public var maxConversionUnits: Int64?
    /// For free spins (and only for them): how many, on which game, valid how long.
    public var freeSpins: FreeSpinTerms?
    /// Only the players of this segment (Identity's `PlayerSegment` name) may get it; nil: anyone.
    public var segment: String?

    public init(
        name: String, currency: String, kind: Campaign.Kind, matchPercent: Int?, amountUnits: Int64, eligibility: Campaign.Eligibility,
        wageringMultiplier: Int, wageringBase: Campaign.WageringBase, maxBetUnits: Int64?, expiryDays: Int, maxConversionUnits: Int64?,
        freeSpins: FreeSpinTerms? = nil, segment: String? = nil
    ) {
        self.name = name
        self.currency = currency
        self.kind = kind
        self.matchPercent = matchPercent
        self.amountUnits = amountUnits
        self.eligibility = eligibility
        self.wageringMultiplier = wageringMultiplier
        self.wageringBase = wageringBase
        self.maxBetUnits = maxBetUnits
        self.expiryDays = expiryDays
        self.maxConversionUnits = maxConversionUnits
        self.freeSpins = freeSpins
        self.segment = segment
    }

    /// The first rule these terms break, or nil. The database checks the same (migration `bonuses`).
    public var problem: CampaignProblem? {
        if name.trimmingCharacters(in: .whitespaces).isEmpty || name.count > 100 { return .name }
        if (kind == .depositMatch) != (matchPercent != nil) || !(1...1000).contains(matchPercent ?? 1) { return .matchPercent }
        if amountUnits <= 0 { return .amount }
        if case .code(let code) = eligibility, code.range(of: "^[A-Z0-9]{3,32}$", options: .regularExpression) == nil { return .code }
        if !(0...100).contains(wageringMultiplier) { return .wageringMultiplier }
        if let maxBetUnits, maxBetUnits <= 0 { return .maxBet }
        if !(1...365).contains(expiryDays) { return .expiryDays }
        if let maxConversionUnits, maxConversionUnits <= 0 { return .maxConversion }
        if let segment, segment.range(of: "^[a-z_]{1,32}$", options: .regularExpression) == nil { return .segment }
        if (kind == .freeSpins) != (freeSpins != nil) { return .freeSpins }
        if let freeSpins {
            if !(1...500).contains(freeSpins.spins) || !(1...expiryDays).contains(freeSpins.days) { return .freeSpins }
            if freeSpins.game.range(of: "^[a-z0-9-]{1,64}$", options: .regularExpression) == nil { return .freeSpins }
        }
        return nil
    }

    /// The bonus a completed deposit of `depositUnits` earns. A match rounds down, so that no
    /// unit is granted that the percentage does not give: with D = 100q + r, D × p / 100 is
    /// q × p + r × p / 100, which cannot overflow but in its first term, and then passes any cap.
    public func bonusUnits(forDeposit depositUnits: Int64) -> Int64 {
        switch kind {
        case .fixed: return amountUnits
        // Free spins grant no money: their wins do (FreeSpinWins).
        case .freeSpins: return 0
        case .depositMatch:
            let percent = Int64(matchPercent ?? 0)
            let (whole, overflow) = (depositUnits / 100).multipliedReportingOverflow(by: percent)
            guard !overflow else { return amountUnits }
            let (matched, passed) = whole.addingReportingOverflow(depositUnits % 100 * percent / 100)
            return passed ? amountUnits : min(matched, amountUnits)
        }
    }

    /// What must be wagered before a grant of `bonusUnits` on a deposit of `depositUnits` converts.
    public func requiredUnits(bonusUnits: Int64, depositUnits: Int64) -> Int64 {
        let (sum, passed) = bonusUnits.addingReportingOverflow(wageringBase == .bonus ? 0 : depositUnits)
        let (required, overflow) = sum.multipliedReportingOverflow(by: Int64(wageringMultiplier))
        return passed || overflow ? .max : required
    }
}

/// Why campaign terms were refused; nothing was written.
public enum CampaignProblem: String, Error, Sendable, Equatable {
    case name, matchPercent, amount, code, wageringMultiplier, maxBet, expiryDays, maxConversion, unknownCurrency, freeSpins, segment
}

/// A free-spin campaign's spins: `spins` rounds on `game`, played within `days` of the grant
/// (at most the grant's `expiryDays`, which is how long their winnings may be wagered).
public struct FreeSpinTerms: Sendable, Equatable {
    public var spins: Int
    public var game: String
    public var days: Int

    public init(spins: Int, game: String, days: Int) {
        self.spins = spins
        self.game = game
        self.days = days
    }
}
