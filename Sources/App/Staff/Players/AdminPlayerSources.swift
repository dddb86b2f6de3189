import Bonuses
import Compliance
import Core
import Foundation
import Games
import Hummingbird
import Identity
import Ledger
import Payments

/// Where a player's page reads each section, every one through its owner's Swift API, and
/// only the sections the staff member's role may see.
struct AdminPlayerSources: Sendable {
    let identity: PlayersBackOffice
    let sessions: SessionStore
    let audit: AuditLog
    let ledger: Ledger
    let currencies: CurrencyCatalog
    let kyc: KYC
    let protection: PlayerProtection
    let alerts: AMLAlerts
    let cases: AMLCases
    let deposits: Deposits
    let withdrawals: Withdrawals
    let grants: Grants
    let rounds: GameRounds

    func page(
        _ record: PlayerRecord, for role: StaffRole, query: Parameters, result: String?, success: Bool, language: String,
        text: @escaping (String) -> String
    ) async throws -> AdminPlayerPage {
        let player = record.id
        var page = AdminPlayerPage(
            record: record, segments: try await identity.segments.segments(of: player), notes: try await identity.notes.notes(of: player),
            devices: try await sessions.devices(of: player, current: nil), manage: role.can(.playersManage), result: result,
            success: success, text: text)
        if role.can(.moneyView) {
            let history = AdminPlayerMoney.LedgerFilterForm(
                kind: query["kind"].map(String.init) ?? "", currency: query["currency"].map(String.init) ?? "",
                from: query["from"].map(String.init) ?? "", to: query["to"].map(String.init) ?? "",
                before: query["before"].flatMap { Int64($0) })
            page.money = AdminPlayerMoney(
                player: page.player, balances: try await ledger.balances(of: player),
                history: try await ledger.history(of: player, filter: history.filter), query: history,
                rounds: try await rounds.rounds(of: player),
                deposits: try await deposits.recent(of: player), withdrawals: try await withdrawals.recent(of: player),
                bonuses: try await grants.active(of: player), catalog: try await currencies.all(), language: language, text: text)
        }
        if role.can(.riskView) {
            page.risk = AdminPlayerRisk(
                level: try await kyc.levels.level(of: player), documents: try await kyc.documents.documents(of: player),
                alerts: try await alerts.list(AMLAlerts.Filter(player: player), limit: 50),
                cases: try await cases.list(player: player, limit: 50),
                protection: AdminProtectionSection(
                    ResponsibleGamblingPage(
                        overview: try await protection.overview(of: player), currencies: try await currencies.all(),
                        wording: ProtectionWording(text: text), notice: nil, error: nil)),
                amlLinks: role.can(.riskManage), text: text)
        }
        if role.can(.auditView) {
            page.audit = AdminPlayerAudit(try await audit.search(AuditLog.Filter(target: "player:\(player.rawValue)", limit: 100)))
        }
        if role.can(.kycReview) { page.kycHref = "/admin/kyc/players/\(player.rawValue)" }
        if role.can(.moneyAdjust) { page.adjustHref = "/admin/adjustments?player=\(player.rawValue)" }
        page.segmentsEditable = role.can(.playersManage) && role.can(.riskManage)
        return page
    }
}
