import Compliance
import Core
import Foundation
import Identity

/// One alert as the console shows it: the rule, the summary and its evidence, amounts formatted
/// for the viewer (each movement in its currency and in the pivot).
struct AMLAlertView {
    struct Movement {
        let reference: String
        let direction: String
        let amount: String
        let pivotAmount: String
        let atISO: String
        let atText: String
    }

    struct Fact {
        let label: String
        let value: String
    }

    let id: String
    let player: String
    let rule: String
    let ruleLabel: String
    let summary: String
    let blocking: Bool
    let state: String
    let stateLabel: String
    let caseID: String?
    let withdrawal: String?
    let sourceLabel: String
    let raisedISO: String
    let raisedText: String
    let movements: [Movement]
    let hasMovements: Bool
    let facts: [Fact]
    let hasFacts: Bool

    init(_ alert: AMLAlert, catalog: [String: Currency], formatter: MoneyFormatter, text: (String) -> String) {
        func money(_ units: Int64?, _ currency: String) -> String {
            guard let units else { return text("aml.evidence.noRate") }
            return catalog[currency].map { formatter.format(units: units, currency: $0) } ?? "\(units) \(currency)"
        }
        let evidence = alert.evidence
        id = String(alert.id)
        player = String(alert.player.rawValue)
        rule = alert.rule.rawValue
        ruleLabel = text("aml.rules.names.\(alert.rule.rawValue)")
        summary = alert.summary
        blocking = alert.blocking
        state = alert.state.rawValue
        stateLabel = text("aml.alerts.states.\(alert.state.rawValue)")
        caseID = alert.caseID.map(String.init)
        withdrawal = alert.withdrawal
        sourceLabel = text("aml.alerts.sources.\(alert.source.rawValue)")
        raisedISO = alert.raisedAt.formatted(.iso8601)
        raisedText = DisplayTime.text(alert.raisedAt)
        movements = evidence.movements.map {
            Movement(
                reference: $0.reference, direction: text("aml.evidence.directions.\($0.direction)"), amount: money($0.units, $0.currency),
                pivotAmount: money($0.pivotUnits, evidence.pivot), atISO: $0.at.formatted(.iso8601), atText: DisplayTime.text($0.at))
        }
        hasMovements = !movements.isEmpty
        var facts: [Fact] = []
        func add(_ key: String, _ value: String?) { if let value { facts.append(Fact(label: text("aml.evidence.\(key)"), value: value)) } }
        add("sum", evidence.pivotSum.map { money($0, evidence.pivot) })
        add("threshold", evidence.thresholdUnits.map { money($0, evidence.pivot) })
        if let from = evidence.windowFrom, let to = evidence.windowTo {
            add("window", "\(DisplayTime.text(from)) – \(DisplayTime.text(to))")
        }
        add("turnover", evidence.turnoverPivot.map { money($0, evidence.pivot) })
        add("ratio", evidence.ratio)
        add("methods", evidence.methods?.joined(separator: ", "))
        add("otherPlayers", evidence.otherPlayers?.map(String.init).joined(separator: ", "))
        add("country", evidence.country)
        add("lastActivity", evidence.lastActivity.map { DisplayTime.text($0) })
        add("dormantDays", evidence.dormantDays.map(String.init))
        add("missingRate", evidence.missingRate)
        self.facts = facts
        hasFacts = !facts.isEmpty
    }
}

struct AMLOption {
    let value: String
    let label: String
    let selected: Bool
}

/// `/admin/aml/alerts`.
struct AMLAlertsPage: PageModel {
    let alerts: [AMLAlertView]
    let hasAlerts: Bool
    let rules: [AMLOption]
    let states: [AMLOption]

    init(
        alerts: [AMLAlert], rule: AMLRuleCode?, state: AMLAlert.State?, catalog: [String: Currency], language: String,
        localization: Localization
    ) {
        func text(_ key: String) -> String { localization.string(key, in: language) }
        let formatter = MoneyFormatter(language: language)
        self.alerts = alerts.map { AMLAlertView($0, catalog: catalog, formatter: formatter, text: text) }
        hasAlerts = !alerts.isEmpty
        rules = AMLRuleCode.allCases.map {
            AMLOption(value: $0.rawValue, label: text("aml.rules.names.\($0.rawValue)"), selected: $0 == rule)
        }
        states = AMLAlert.State.allCases.map {
            AMLOption(value: $0.rawValue, label: text("aml.alerts.states.\($0.rawValue)"), selected: $0 == state)
        }
    }
}

struct AMLCaseRow {
    let id: String
    let player: String
    let state: String
    let stateLabel: String
    let blocking: Bool
    let alertCount: Int
    let assignee: String?
    let outcomeLabel: String?
    let openedISO: String
    let openedText: String

    init(_ amlCase: AMLCase, text: (String) -> String) {
        id = String(amlCase.id)
        player = String(amlCase.player.rawValue)
        state = amlCase.state.rawValue
        stateLabel = text("aml.cases.states.\(amlCase.state.rawValue)")
        blocking = amlCase.blocking
        alertCount = amlCase.alertCount
        assignee = amlCase.assignee.map { "#\($0)" }
        outcomeLabel = amlCase.outcome.map { text("aml.case.outcomes.\($0.rawValue)") }
        openedISO = amlCase.openedAt.formatted(.iso8601)
        openedText = DisplayTime.text(amlCase.openedAt)
    }
}

/// `/admin/aml/cases`.
struct AMLCasesPage: PageModel {
    let cases: [AMLCaseRow]
    let hasCases: Bool
    let showingOpen: Bool

    init(cases: [AMLCase], state: AMLCase.State, language: String, localization: Localization) {
        func text(_ key: String) -> String { localization.string(key, in: language) }
        self.cases = cases.map { AMLCaseRow($0, text: text) }
        hasCases = !cases.isEmpty
        showingOpen = state == .open
    }
}

/// `/admin/aml/cases/{id}`.
struct AMLCasePage: PageModel {
    struct Comment {
        let staff: String
        let body: String
        let atISO: String
        let atText: String
    }

    struct Freeze {
        let id: String
        let amount: String
        let reason: String
        let active: Bool
        let frozenText: String
        let unfrozenText: String?
    }

    let amlCase: AMLCaseRow
    let open: Bool
    let closingNote: String?
    let reportReference: String?
    let alerts: [AMLAlertView]
    let others: [AMLAlertView]
    let hasOthers: Bool
    let comments: [Comment]
    let hasComments: Bool
    let freezes: [Freeze]
    let hasFreezes: Bool
    let assignees: [AMLOption]
    let currencies: [AMLOption]
    let notice: String?
    let error: String?

    init(
        amlCase: AMLCase, alerts: [AMLAlert], others: [AMLAlert], comments: [AMLCaseComment], freezes: [ComplianceFreeze],
        staff: [StaffMember], viewer: Int64, catalog: [String: Currency], language: String, localization: Localization, result: String?
    ) {
        func text(_ key: String) -> String { localization.string(key, in: language) }
        let formatter = MoneyFormatter(language: language)
        self.amlCase = AMLCaseRow(amlCase, text: text)
        open = amlCase.state == .open
        closingNote = amlCase.closingNote
        reportReference = amlCase.reportReference
        self.alerts = alerts.map { AMLAlertView($0, catalog: catalog, formatter: formatter, text: text) }
        self.others = others.map { AMLAlertView($0, catalog: catalog, formatter: formatter, text: text) }
        hasOthers = !others.isEmpty
        let emails = Dictionary(staff.map { ($0.id, $0.email) }, uniquingKeysWith: { a, _ in a })
        self.comments = comments.map {
            Comment(
                staff: emails[$0.staff] ?? "#\($0.staff)", body: $0.body, atISO: $0.at.formatted(.iso8601), atText: DisplayTime.text($0.at))
        }
        hasComments = !comments.isEmpty
        self.freezes = freezes.map { freeze in
            Freeze(
                id: String(freeze.id),
                amount: catalog[freeze.currency].map { formatter.format(units: freeze.units, currency: $0) } ?? freeze.currency,
                reason: freeze.reason, active: freeze.active, frozenText: DisplayTime.text(freeze.frozenAt),
                unfrozenText: freeze.unfrozenAt.map { DisplayTime.text($0) })
        }
        hasFreezes = !freezes.isEmpty
        // Who may work a case: staff whose role manages risk.
        assignees =
            [AMLOption(value: "", label: text("aml.case.nobody"), selected: amlCase.assignee == nil)]
            + staff.filter { $0.role.can(.riskManage) && !$0.disabled }.map {
                AMLOption(
                    value: String($0.id), label: $0.id == viewer ? "\($0.email) (\(text("aml.case.you")))" : $0.email,
                    selected: $0.id == amlCase.assignee)
            }
        currencies = catalog.keys.sorted().map { AMLOption(value: $0, label: $0, selected: $0 == "EUR") }
        let message = result.map { text("aml.results.\($0)") }
        let success = result.map { AdminAMLController.successes.contains($0) } ?? false
        notice = success ? message : nil
        error = success ? nil : message
    }
}

/// `/admin/aml/rules`.
struct AMLRulesPage: PageModel {
    struct Rule {
        let code: String
        let label: String
        let description: String
        let enabled: Bool
        let blocking: Bool
        let readsThreshold: Bool
        let threshold: String
        let readsWindow: Bool
        let windowHours: String
        let readsRatio: Bool
        let ratio: String
        let readsCount: Bool
        let minCount: String
        let readsMargin: Bool
        let marginPercent: String
        let readsDormantDays: Bool
        let dormantDays: String
        let readsCountries: Bool
        let countries: String
        let updatedBy: String
        let updatedText: String
    }

    let rules: [Rule]
    let notice: String?
    let error: String?

    init(rules: [AMLRule], language: String, localization: Localization, result: String?) {
        func text(_ key: String) -> String { localization.string(key, in: language) }
        self.rules = rules.map { rule in
            let reads = rule.code.parameters
            return Rule(
                code: rule.code.rawValue, label: text("aml.rules.names.\(rule.code.rawValue)"),
                description: text("aml.rules.descriptions.\(rule.code.rawValue)"), enabled: rule.enabled, blocking: rule.blocking,
                readsThreshold: reads.contains(.threshold), threshold: rule.threshold ?? "", readsWindow: reads.contains(.window),
                windowHours: rule.windowHours.map(String.init) ?? "", readsRatio: reads.contains(.ratio), ratio: rule.ratio ?? "",
                readsCount: reads.contains(.count), minCount: rule.minCount.map(String.init) ?? "", readsMargin: reads.contains(.margin),
                marginPercent: rule.marginPercent.map(String.init) ?? "", readsDormantDays: reads.contains(.dormantDays),
                dormantDays: rule.dormantDays.map(String.init) ?? "", readsCountries: reads.contains(.countries),
                countries: rule.countries.joined(separator: ", "), updatedBy: rule.updatedBy, updatedText: DisplayTime.text(rule.updatedAt))
        }
        notice = result == "saved" ? text("aml.results.saved") : nil
        error = result == "invalid" ? text("aml.results.invalid") : nil
    }
}
