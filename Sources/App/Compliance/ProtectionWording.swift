import Compliance
import Foundation

/// How the pages say player protection's facts in the viewer's language: limit kinds and
/// periods, exclusions, and the refusals that name what is left and when it resets.
struct ProtectionWording {
    let text: (String) -> String

    func kind(_ kind: ProtectionLimitKind) -> String { text("protection.kinds.\(kind.rawValue)") }
    func period(_ period: ProtectionPeriod?) -> String { text("protection.periods.\(period?.rawValue ?? "session")") }

    /// A deposit refused by the player's own limit or exclusion.
    func refusal(_ refusal: ProtectionRefusal) -> String {
        switch refusal {
        case .limitReached(let period, let currency, let limit, let left, let resetsAt):
            text("protection.refusals.depositLimitReached")
                .replacingOccurrences(of: "{limit}", with: "\(limit) \(currency)")
                .replacingOccurrences(of: "{period}", with: self.period(period))
                .replacingOccurrences(of: "{left}", with: "\(left) \(currency)")
                .replacingOccurrences(of: "{resetsAt}", with: DisplayTime.text(resetsAt))
        case .excluded(_, nil): text("protection.refusals.excludedPermanently")
        case .excluded(_, let until?):
            text("protection.refusals.\(refusal.code)").replacingOccurrences(of: "{until}", with: DisplayTime.text(until))
        }
    }

    /// The end of an exclusion, or "permanent".
    func until(_ date: Date?) -> String { date.map(DisplayTime.text) ?? text("protection.exclusion.permanent") }

    /// "You are on a time-out until …", "You are self-excluded until …" or "… permanently".
    func exclusion(_ exclusion: Exclusion) -> String {
        guard let end = exclusion.endsAt else { return text("protection.exclusion.permanentExclusion") }
        return text("protection.exclusion.\(exclusion.kind.rawValue)Until").replacingOccurrences(of: "{until}", with: DisplayTime.text(end))
    }
}
