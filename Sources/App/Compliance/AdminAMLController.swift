import Compliance
import Core
import Foundation
import Hummingbird
import Identity
import Payments

/// The console's AML area (`risk.manage`; docs/compliance.md): `/admin/aml/alerts` (every alert
/// with its evidence, by rule and state), `/admin/aml/cases` and `/admin/aml/cases/{id}` (assign,
/// comment, attach and detach alerts, freeze and unfreeze real money, close with an outcome),
/// `/admin/aml/rules` (thresholds, windows, enabled, blocking, the high-risk countries). What
/// staff do is audited by Compliance in the same transaction as what it changes.
struct AdminAMLController {
    let pages: PageRenderer
    let alerts: AMLAlerts
    let cases: AMLCases
    let rules: AMLRuleStore
    let withdrawals: Withdrawals
    let staffDirectory: StaffDirectory
    let currencies: CurrencyCatalog
    let access: StaffAccess

    struct CaseForm: Decodable {
        let assignee: String?
        let comment: String?
        let alert: String?
        let outcome: String?
        let note: String?
        let reference: String?
        let currency: String?
        let amount: String?
        let reason: String?
    }

    struct RuleForm: Decodable {
        let enabled: String?
        let blocking: String?
        let threshold: String?
        let windowHours: String?
        let ratio: String?
        let minCount: String?
        let marginPercent: String?
        let dormantDays: String?
        let countries: String?
    }

    /// Every result a redirect can name: the pages say them from the locale files.
    static let results = [
        "assigned", "commented", "attached", "detached", "closed", "frozen", "unfrozen", "saved", "caseNotFound", "alertNotFound",
        "freezeNotFound", "caseClosed", "alertNotAttachable", "commentMissing", "noteMissing", "reportReferenceMissing", "reasonMissing",
        "amountInvalid", "insufficientFunds", "alreadyUnfrozen", "invalid",
    ]
    static let successes: Set<String> = ["assigned", "commented", "attached", "detached", "closed", "frozen", "unfrozen", "saved"]

    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        let area = console.group("aml").add(middleware: PermissionRequired(.riskManage, access))
        area.get("alerts") { request, context -> Response in
            let (staff, language, frame) = try chrome(request, context, path: "/admin/aml/alerts")
            let rule = request.uri.queryParameters["rule"].flatMap { AMLRuleCode(rawValue: String($0)) }
            let state = request.uri.queryParameters["state"].flatMap { AMLAlert.State(rawValue: String($0)) }
            let page = AMLAlertsPage(
                alerts: try await alerts.list(.init(rule: rule, state: state)), rule: rule, state: state,
                catalog: try await currencies.all(), language: language, localization: pages.localization)
            _ = staff
            return pages.render(
                "admin_aml_alerts", face: .admin, title: "aml.alerts.title", model: page, frame: frame, request: request, context: context)
        }
        area.get("cases") { request, context -> Response in
            let (_, language, frame) = try chrome(request, context, path: "/admin/aml/cases")
            let state = request.uri.queryParameters["state"].flatMap { AMLCase.State(rawValue: String($0)) } ?? .open
            let page = AMLCasesPage(
                cases: try await cases.list(state: state), state: state, language: language, localization: pages.localization)
            return pages.render(
                "admin_aml_cases", face: .admin, title: "aml.cases.title", model: page, frame: frame, request: request, context: context)
        }
        area.get("cases/:id") { request, context -> Response in
            let (staff, language, frame) = try chrome(request, context, path: "/admin/aml/cases")
            guard let id = Int64(try context.parameters.require("id")), let found = try await cases.get(id) else {
                throw AppError(.notFound, code: .notFound)
            }
            let result = request.uri.queryParameters["result"].map(String.init).flatMap { Self.results.contains($0) ? $0 : nil }
            let page = AMLCasePage(
                amlCase: found, alerts: try await alerts.list(.init(caseID: id)),
                others: try await alerts.list(.init(state: .open, player: found.player)).filter { $0.caseID != id },
                comments: try await cases.comments(of: id), freezes: try await cases.freezes(of: found.player),
                staff: try await staffDirectory.list(), viewer: staff.id, catalog: try await currencies.all(), language: language,
                localization: pages.localization, result: result)
            return pages.render(
                "admin_aml_case", face: .admin, title: "aml.case.title", model: page, frame: frame, request: request, context: context)
        }
        area.post("cases/:id/:action") { request, context -> Response in
            let staff = try context.signedInStaff()
            guard let id = Int64(try context.parameters.require("id")) else { throw AppError(.notFound, code: .notFound) }
            let action = try context.parameters.require("action")
            let form = try await URLEncodedFormDecoder().decode(
                CaseForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let actor = ComplianceActor(staffID: staff.id, ip: context.clientAddress, requestID: context.requestID)
            let result: String
            do {
                result = try await perform(action, on: id, form: form, actor: actor)
            } catch let refusal as AMLCaseRefusal {
                result = refusal.code
            }
            return Response.redirect(to: "/admin/aml/cases/\(id)?result=\(result)", type: .normal)
        }
        area.get("rules") { request, context -> Response in
            let (_, language, frame) = try chrome(request, context, path: "/admin/aml/rules")
            let result = request.uri.queryParameters["result"].map(String.init)
            let page = AMLRulesPage(
                rules: try await rules.all(), language: language, localization: pages.localization,
                result: result.flatMap { Self.results.contains($0) ? $0 : nil })
            return pages.render(
                "admin_aml_rules", face: .admin, title: "aml.rules.title", model: page, frame: frame, request: request, context: context)
        }
        area.post("rules/:code") { request, context -> Response in
            let staff = try context.signedInStaff()
            guard let code = AMLRuleCode(rawValue: try context.parameters.require("code")),
                let current = try await rules.all().first(where: { $0.code == code })
            else { throw AppError(.notFound, code: .notFound) }
            let form = try await URLEncodedFormDecoder().decode(
                RuleForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let reads = code.parameters
            func text(_ value: String?, _ parameter: AMLRuleParameter) -> String? {
                guard reads.contains(parameter) else { return nil }
                return value?.trimmingCharacters(in: .whitespaces)
            }
            func number(_ value: String?, _ parameter: AMLRuleParameter) -> Int? {
                text(value, parameter).map { Int($0) ?? -1 }
            }
            let updated = AMLRule(
                code: code, enabled: form.enabled == "on", blocking: form.blocking == "on", threshold: text(form.threshold, .threshold),
                windowHours: number(form.windowHours, .window), ratio: text(form.ratio, .ratio), minCount: number(form.minCount, .count),
                marginPercent: number(form.marginPercent, .margin), dormantDays: number(form.dormantDays, .dormantDays),
                countries: reads.contains(.countries)
                    ? (form.countries ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\n" }).map(String.init)
                    : current.countries)
            let result: String
            do {
                _ = try await rules.update(
                    updated, by: ComplianceActor(staffID: staff.id, ip: context.clientAddress, requestID: context.requestID))
                result = "saved"
            } catch {
                result = "invalid"
            }
            return Response.redirect(to: "/admin/aml/rules?result=\(result)#rule-\(code.rawValue)", type: .normal)
        }
    }

    private func chrome(_ request: Request, _ context: AppRequestContext, path: String) throws -> (
        StaffMember, String, AdminConsole.Frame
    ) {
        let staff = try context.signedInStaff()
        let language = Localization.language(for: request)
        return (staff, language, AdminConsole(staff: staff, localization: pages.localization, language: language, path: path).frame)
    }

    /// One case action; answers the result the page shows.
    private func perform(_ action: String, on id: Int64, form: CaseForm, actor: ComplianceActor) async throws -> String {
        switch action {
        case "assign":
            try await cases.assign(id, to: form.assignee.flatMap { Int64($0) }, by: actor)
            return "assigned"
        case "comment":
            try await cases.comment(id, form.comment ?? "", by: actor)
            return "commented"
        case "attach", "detach":
            guard let alert = form.alert.flatMap({ Int64($0.trimmingCharacters(in: .whitespaces)) }) else {
                throw AMLCaseRefusal.alertNotFound
            }
            if action == "attach" {
                try await cases.attach(alert: alert, to: id, by: actor)
                return "attached"
            }
            try await cases.detach(alert: alert, from: id, by: actor)
            return "detached"
        case "close":
            guard let outcome = form.outcome.flatMap(AMLCase.Outcome.init(rawValue:)) else { throw AMLCaseRefusal.noteMissing }
            _ = try await cases.close(
                id, outcome: outcome, note: form.note ?? "", reportReference: form.reference, withdrawals: withdrawals, by: actor)
            return "closed"
        case "freeze":
            guard let found = try await cases.get(id) else { throw AMLCaseRefusal.caseNotFound }
            guard found.state == .open else { throw AMLCaseRefusal.caseClosed }
            // An amount that is not a decimal of the currency's scale is refused below by name,
            // like an unknown currency: the parse error itself says nothing more to staff.
            guard let currency = try await currencies.all()[form.currency ?? ""],
                let units = try? Amount.units(fromDecimal: (form.amount ?? "").trimmingCharacters(in: .whitespaces), scale: currency.scale)
            else { throw AMLCaseRefusal.amountInvalid }
            _ = try await cases.freeze(
                player: found.player, currency: currency.code, units: units, reason: form.reason ?? "", caseID: id, by: actor)
            return "frozen"
        default:
            // `unfreeze-<freeze id>`: a freeze of the case's player.
            guard action.hasPrefix("unfreeze-"), let freezeID = Int64(action.dropFirst("unfreeze-".count)),
                let found = try await cases.get(id),
                try await cases.freezes(of: found.player).contains(where: { $0.id == freezeID })
            else { throw AMLCaseRefusal.freezeNotFound }
            _ = try await cases.unfreeze(freezeID, by: actor)
            return "unfrozen"
        }
    }
}
