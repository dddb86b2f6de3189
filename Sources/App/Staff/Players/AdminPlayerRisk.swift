import Compliance
import Core
import Foundation

/// The risk sections of a player's page (`risk.view`): KYC level and documents, AML alerts and
/// cases, and limits, time-outs and self-exclusions, read-only (staff cannot shorten them).
struct AdminPlayerRisk {
    struct Document {
        let kind: String
        let stateLabel: String
        let badge: String
        let uploadedText: String
    }

    struct Item {
        let id: String
        let what: String
        let stateLabel: String
        let blocking: Bool
        let atText: String
        let href: String
    }

    let level: String
    let documents: [Document]
    let hasDocuments: Bool
    let alerts: [Item]
    let hasAlerts: Bool
    let cases: [Item]
    let hasCases: Bool
    let protection: AdminProtectionSection
    /// AML pages are for `risk.manage`: links only for a role that can open them.
    let amlLinks: Bool

    init(
        level: Int, documents: [KYCDocument], alerts: [AMLAlert], cases: [AMLCase], protection: AdminProtectionSection,
        amlLinks: Bool, text: (String) -> String
    ) {
        self.level = text("kyc.levels.l\(level)")
        self.documents = documents.map {
            Document(
                kind: text("kyc.documents.kinds.\($0.kind.rawValue)"), stateLabel: text("kyc.documents.states.\($0.state.rawValue)"),
                badge: $0.state == .approved ? "success" : $0.state == .rejected ? "danger" : "warning",
                uploadedText: DisplayTime.text($0.createdAt))
        }
        hasDocuments = !documents.isEmpty
        self.alerts = alerts.map {
            Item(
                id: String($0.id), what: $0.summary, stateLabel: text("aml.alerts.states.\($0.state.rawValue)"), blocking: $0.blocking,
                atText: DisplayTime.text($0.raisedAt), href: $0.caseID.map { "/admin/aml/cases/\($0)" } ?? "/admin/aml/alerts")
        }
        hasAlerts = !alerts.isEmpty
        self.cases = cases.map {
            Item(
                id: String($0.id), what: $0.outcome.map { text("admin.players.risk.outcomes.\($0.rawValue)") } ?? "—",
                stateLabel: text("aml.cases.states.\($0.state.rawValue)"), blocking: $0.blocking, atText: DisplayTime.text($0.openedAt),
                href: "/admin/aml/cases/\($0.id)")
        }
        hasCases = !cases.isEmpty
        self.protection = protection
        self.amlLinks = amlLinks
    }
}
