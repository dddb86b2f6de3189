import Compliance
import Core
import Foundation

/// `/responsible-gambling`: the player's limits with their state, time-out, self-exclusion,
/// reality-check interval, and where to find help. A visitor who is not signed in sees the help
/// and what the tools do.
struct ResponsibleGamblingPage: PageModel {
    struct Limit {
        let label: String
        let amount: String
        /// "Raise to … from …" or "Removal from …", with the confirm form when it is due.
        let pending: String?
        let canConfirm: Bool
        let kind: String
        let period: String
        let currency: String
        let testID: String
    }

    struct Option {
        let value: String
        let label: String
        let selected: Bool
    }

    let signedIn: Bool
    let notice: String?
    let error: String?
    /// "Self-exclusion until 2027-06-04 16:30 UTC", when one is in force.
    let exclusion: String?
    let limits: [Limit]
    let hasLimits: Bool
    let kinds: [Option]
    let periods: [Option]
    let currencies: [Option]
    let realityCheckMinutes: Int
    let timeOuts: [Option]
    let selfExclusions: [Option]

    init(
        overview: ProtectionOverview?, currencies catalog: [String: Currency], wording: ProtectionWording, notice: String?, error: String?
    ) {
        signedIn = overview != nil
        self.notice = notice
        self.error = error
        exclusion = overview?.exclusion.map(wording.exclusion)
        func amount(_ units: Int64, _ limit: ProtectionLimit) -> String {
            guard let code = limit.currency else {
                return wording.text("protection.minutes").replacingOccurrences(of: "{minutes}", with: String(units))
            }
            return DisplayAmount.text(units: units, scale: catalog[code]?.scale ?? 0) + " " + code
        }
        limits = (overview?.limits ?? []).map { limit in
            let pending = limit.pending.map { change in
                (change.units.map {
                    wording.text("protection.limits.raiseTo").replacingOccurrences(of: "{amount}", with: amount($0, limit))
                }
                    ?? wording.text("protection.limits.removal"))
                    .replacingOccurrences(of: "{from}", with: DisplayTime.text(change.effectiveAt))
            }
            let label = wording.kind(limit.kind) + (limit.period.map { " · " + wording.period($0) } ?? "")
            return Limit(
                label: label, amount: limit.units.map { amount($0, limit) } ?? "—", pending: pending,
                canConfirm: limit.pending.map { $0.effectiveAt <= (overview?.now ?? Date()) } ?? false, kind: limit.kind.rawValue,
                period: limit.period?.rawValue ?? "", currency: limit.currency ?? "",
                testID: [limit.kind.rawValue, limit.period?.rawValue, limit.currency].compactMap { $0 }.joined(separator: "-"))
        }
        hasLimits = !limits.isEmpty
        kinds = ProtectionLimitKind.allCases.map { Option(value: $0.rawValue, label: wording.kind($0), selected: $0 == .deposit) }
        periods = ProtectionPeriod.allCases.map { Option(value: $0.rawValue, label: wording.period($0), selected: $0 == .day) }
        currencies = catalog.keys.sorted().map { Option(value: $0, label: $0, selected: $0 == "EUR") }
        realityCheckMinutes = overview?.realityCheckMinutes ?? PlayerProtection.defaultRealityCheckMinutes
        timeOuts = [1, 7, 14, 30, 42].map {
            Option(
                value: "timeOut:\($0)",
                label: wording.text("protection.exclusion.days").replacingOccurrences(of: "{days}", with: String($0)),
                selected: $0 == 1)
        }
        selfExclusions =
            ExclusionTerm.selfExclusionMonths.map {
                Option(
                    value: "selfExclusion:\($0)",
                    label: wording.text("protection.exclusion.months").replacingOccurrences(of: "{months}", with: String($0)),
                    selected: $0 == 6)
            } + [Option(value: "permanent", label: wording.text("protection.exclusion.permanent"), selected: false)]
    }
}

/// The read-only "Player protection" section of the staff's player page: staff see the limits,
/// the exclusion and the reminder interval, and can change none of them (an exclusion is never
/// shortened, docs/player-protection.md).
struct AdminProtectionSection {
    let exclusion: String?
    let limits: [ResponsibleGamblingPage.Limit]
    let hasLimits: Bool
    let realityCheckMinutes: Int

    init(_ page: ResponsibleGamblingPage) {
        exclusion = page.exclusion
        limits = page.limits
        hasLimits = page.hasLimits
        realityCheckMinutes = page.realityCheckMinutes
    }
}
