import Foundation
import Identity

/// View models of the admin console's pages: the sidebar and pages show only what the staff
/// member's role can open.
struct AdminConsole {
    let staff: StaffMember
    let localization: Localization
    let language: String
    let path: String

    func text(_ key: String) -> String { localization.string(key, in: language) }

    /// What every console page shows around its content: the sidebar and who is signed in.
    struct Frame: PageModel {
        struct Item {
            let label: String
            let href: String
            let active: Bool
        }

        struct Group {
            let title: String
            let items: [Item]
        }

        struct SignedIn {
            let email: String
            let role: String
            let roleLabel: String
        }

        let sidebar: [Group]
        let staff: SignedIn
    }

    struct RoleOption {
        let value: String
        let label: String
        let selected: Bool
    }

    var frame: Frame {
        Frame(
            sidebar: sidebar,
            staff: .init(email: staff.email, role: staff.role.rawValue, roleLabel: text("admin.roles.\(staff.role.rawValue)")))
    }

    /// Areas not built yet are not listed: a link that leads nowhere is worse than none.
    var sidebar: [Frame.Group] {
        var system: [Frame.Item] = []
        if staff.role.can(.staffManage) { system.append(item("admin.items.staff", "/admin/staff")) }
        if staff.role.can(.auditView) { system.append(item("admin.items.audit", "/admin/audit")) }
        if staff.role.can(.systemView) { system.append(item("admin.items.health", "/admin/health")) }
        var groups = [Frame.Group(title: text("admin.sidebar.overview"), items: [item("admin.items.dashboard", "/admin")])]
        if staff.role.can(.playersView) {
            groups.append(.init(title: text("admin.sidebar.players"), items: [item("admin.items.players", "/admin/players")]))
        }
        if staff.role.can(.gamesManage) {
            groups.append(
                .init(
                    title: text("admin.sidebar.games"),
                    items: [item("admin.items.games", "/admin/games"), item("admin.items.rounds", "/admin/games/rounds")]))
        }
        var payments: [Frame.Item] = []
        if staff.role.can(.moneyView) { payments.append(item("admin.items.deposits", "/admin/deposits")) }
        if staff.role.can(.withdrawalsApprove) { payments.append(item("admin.items.withdrawals", "/admin/withdrawals")) }
        if staff.role.can(.paymentsManage) {
            payments.append(item("admin.items.payments", "/admin/payments"))
            payments.append(item("admin.items.gateways", "/admin/gateways"))
        }
        if staff.role.can(.paymentsManage) { payments.append(item("admin.items.fx", "/admin/fx")) }
        if staff.role.can(.bonusesManage) { payments.append(item("admin.items.bonuses", "/admin/bonuses")) }
        if staff.role.can(.moneyAdjust) { payments.append(item("admin.items.adjustments", "/admin/adjustments")) }
        if !payments.isEmpty { groups.append(.init(title: text("admin.sidebar.payments"), items: payments)) }
        // UI.md's "Risk & KYC": KYC reviews for kyc.review, the AML area for risk.manage.
        var risk: [Frame.Item] = []
        if staff.role.can(.kycReview) { risk.append(item("admin.items.kycReviews", "/admin/kyc")) }
        if staff.role.can(.riskManage) {
            risk += [
                item("aml.sidebar.alerts", "/admin/aml/alerts"), item("aml.sidebar.cases", "/admin/aml/cases"),
                item("aml.sidebar.rules", "/admin/aml/rules"),
            ]
        }
        if !risk.isEmpty { groups.append(.init(title: text("admin.sidebar.riskKyc"), items: risk)) }
        if staff.role.can(.reportsView) {
            groups.append(.init(title: text("admin.sidebar.reports"), items: [item("admin.items.reports", "/admin/reports")]))
        }
        if !system.isEmpty { groups.append(.init(title: text("admin.sidebar.system"), items: system)) }
        return groups
    }

    private func item(_ key: String, _ href: String) -> Frame.Item {
        .init(label: text(key), href: href, active: path == href)
    }

    struct Dashboard: PageModel {
        struct Permission {
            let name: String
            let label: String
        }

        struct QuickLink {
            let title: String
            let description: String
            let href: String
        }

        let permissions: [Permission]
        let quickLinks: [QuickLink]
        /// Today's figures, for a role with `reports.view`.
        var today: DashboardFigures.Today?
        /// What waits, the parts the role may see (none: no card).
        var waiting: [DashboardFigures.Tile] = []
    }

    var dashboard: Dashboard {
        var links: [Dashboard.QuickLink] = []
        if staff.role.can(.staffManage) {
            links.append(.init(title: text("admin.items.staff"), description: text("admin.dashboard.staffLink"), href: "/admin/staff"))
        }
        if staff.role.can(.gamesManage) {
            links.append(.init(title: text("admin.items.games"), description: text("admin.dashboard.gamesLink"), href: "/admin/games"))
        }
        if staff.role.can(.auditView) {
            links.append(.init(title: text("admin.items.audit"), description: text("admin.dashboard.auditLink"), href: "/admin/audit"))
        }
        return Dashboard(
            permissions: staff.role.permissions.map(\.rawValue).sorted().map { name in
                .init(name: name, label: text("admin.permissions.\(name.replacingOccurrences(of: ".", with: "_"))"))
            },
            quickLinks: links)
    }

    struct StaffPage: PageModel {
        struct Member {
            let id: String
            let email: String
            let role: String
            let roleLabel: String
            let disabled: Bool
            let lastLoginISO: String
            let lastLoginText: String
            let createdText: String
            let roles: [RoleOption]
            let canEdit: Bool
            let isSelf: Bool
            let pendingEnrolment: Bool
        }

        /// The link a new or reset member enrols with, shown once.
        struct EnrolmentLink {
            let title: String
            let link: String
        }

        let members: [Member]
        let assignableRoles: [RoleOption]
        var notice: String?
        var error: String?
        var enrolment: EnrolmentLink?
    }

    func staffPage(members: [StaffMember]) -> StaffPage {
        let assignable = StaffRole.allCases.filter { staff.role.canAssign($0) }
        func options(selected: StaffRole) -> [RoleOption] {
            assignable.map { .init(value: $0.rawValue, label: text("admin.roles.\($0.rawValue)"), selected: $0 == selected) }
        }
        return StaffPage(
            members: members.map { member in
                .init(
                    id: String(member.id), email: member.email, role: member.role.rawValue,
                    roleLabel: text("admin.roles.\(member.role.rawValue)"), disabled: member.disabled,
                    lastLoginISO: member.lastLoginAt.map { $0.formatted(.iso8601) } ?? "",
                    lastLoginText: member.lastLoginAt.map(DisplayTime.text) ?? "", createdText: DisplayTime.text(member.createdAt),
                    roles: options(selected: member.role), canEdit: staff.role.canAssign(member.role), isSelf: member.id == staff.id,
                    pendingEnrolment: !member.enrolled)
            },
            assignableRoles: options(selected: .support))
    }

    struct AuditPage: PageModel {
        struct Filters {
            let actor: String
            let action: String
        }

        struct Chain {
            let rows: Int
            let ok: Bool
            let firstBroken: String?
        }

        struct Record {
            let id: String
            let atISO: String
            let atText: String
            let actor: String
            let action: String
            let target: String
            let summary: String
            let ip: String
            let requestID: String
        }

        let filters: Filters
        let chain: Chain
        let records: [Record]
        let hasRecords: Bool
        let nextPageHref: String?
    }

    func auditPage(records: [AuditRecord], chain: (rows: Int, firstBroken: Int64?), filter: AuditLog.Filter, pageSize: Int) -> AuditPage {
        var next: String?
        if records.count == pageSize, let last = records.last {
            var items = ["before=\(last.id)"]
            if let actor = filter.actor { items.insert("actor=\(PageRenderer.queryEncode(actor))", at: 0) }
            if let action = filter.action { items.insert("action=\(PageRenderer.queryEncode(action))", at: 0) }
            next = "/admin/audit?" + items.joined(separator: "&")
        }
        return AuditPage(
            filters: .init(actor: filter.actor ?? "", action: filter.action ?? ""),
            chain: .init(rows: chain.rows, ok: chain.firstBroken == nil, firstBroken: chain.firstBroken.map(String.init)),
            records: records.map { record in
                .init(
                    id: String(record.id), atISO: record.at.formatted(.iso8601), atText: DisplayTime.text(record.at),
                    actor: record.entry.actor, action: record.entry.action, target: record.entry.target,
                    summary: record.entry.summary.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "),
                    ip: record.entry.ip, requestID: record.entry.requestID)
            },
            hasRecords: !records.isEmpty, nextPageHref: next)
    }
}
