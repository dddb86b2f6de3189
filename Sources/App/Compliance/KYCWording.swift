import Compliance
import Core
import Foundation
import Ledger

/// How the pages say Compliance's facts in the viewer's language: levels, requirements, limits
/// and their refusals. One place, so the cashier, the verification page and the console agree.
struct KYCWording {
    let text: (String) -> String
    let formatter: MoneyFormatter
    /// The pivot currency, for amounts Compliance gives as decimal text in it.
    let pivot: Currency?

    func level(_ level: Int) -> String { text("kyc.levels.l\(level)") }
    func requirement(_ requirement: KYCRequirement) -> String { text("kyc.requirements.\(requirement.rawValue)") }
    func documentKind(_ kind: DocumentKind) -> String { text("kyc.documents.kinds.\(kind.rawValue)") }

    /// `100.00` in the pivot as `€100.00`; the text as it is when it does not fit the pivot.
    func pivotAmount(_ decimal: String) -> String {
        guard let pivot, let units = try? Amount.units(fromDecimal: decimal, scale: pivot.scale) else { return decimal }
        return formatter.format(units: units, currency: pivot)
    }

    func window(_ direction: LimitDirection, _ window: LimitWindow) -> String {
        text("kyc.limits.\(direction.rawValue).\(window.rawValue)")
    }

    /// "Level L0 allows deposits of €100.00 in 24 hours; €40.00 is left. Level L1 needs: legal name, …"
    func refusal(_ refusal: LimitRefusal) -> String {
        var sentence = text("kyc.refusal.limit")
            .replacingOccurrences(of: "{level}", with: level(refusal.level))
            .replacingOccurrences(of: "{limit}", with: window(refusal.direction, refusal.window))
            .replacingOccurrences(of: "{amount}", with: pivotAmount(refusal.limit))
            .replacingOccurrences(of: "{left}", with: pivotAmount(refusal.left))
        if let next = refusal.nextLevel {
            let missing = refusal.missing.map(requirement).joined(separator: ", ")
            sentence +=
                " "
                + (missing.isEmpty
                ? text("kyc.refusal.apply") : text("kyc.refusal.needs").replacingOccurrences(of: "{needs}", with: missing))
                .replacingOccurrences(of: "{next}", with: level(next))
        }
        return sentence
    }

    func rateMissing(_ currency: String) -> String {
        text("kyc.refusal.rateMissing").replacingOccurrences(of: "{currency}", with: currency)
    }
}
