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

    /// Areas not built yet are not listed: a link that leads nowhere is worse than none.
    var sidebar: [[String: Any]] {
        var system: [[String: Any]] = []
        if staff.role.can(.staffManage) { system.append(item("admin.items.staff", "/admin/staff")) }
        if staff.role.can(.auditView) { system.append(item("admin.items.audit", "/admin/audit")) }
        var groups: [[String: Any]] = [["title": text("admin.sidebar.overview"), "items": [item("admin.items.dashboard", "/admin")]]]
        if staff.role.can(.gamesManage) {
            groups.append(
                [
                    "title": text("admin.sidebar.games"),
                    "items": [item("admin.items.games", "/admin/games"), item("admin.items.rounds", "/admin/games/rounds")],
                ])
        }
        if !system.isEmpty { groups.append(["title": text("admin.sidebar.system"), "items": system]) }
        return groups
    }

    private func item(_ key: String, _ href: String) -> [String: Any] {
        ["label": text(key), "href": href, "active": path == href]
    }

    /// What every console page shows: the sidebar and who is signed in.
    var common: [String: Any] {
        [
            "sidebar": sidebar,
            "staff": ["email": staff.email, "role": staff.role.rawValue, "roleLabel": text("admin.roles.\(staff.role.rawValue)")],
        ]
    }

    var dashboardFields: [String: Any] {
        var fields = common
        fields["permissions"] = staff.role.permissions.map(\.rawValue).sorted().map { name -> [String: Any] in
            ["name": name, "label": text("admin.permissions.\(name.replacingOccurrences(of: ".", with: "_"))")]
        }
        var links: [[String: Any]] = []
        if staff.role.can(.staffManage) {
            links.append(["title": text("admin.items.staff"), "description": text("admin.dashboard.staffLink"), "href": "/admin/staff"])
        }
        if staff.role.can(.gamesManage) {
            links.append(["title": text("admin.items.games"), "description": text("admin.dashboard.gamesLink"), "href": "/admin/games"])
        }
        if staff.role.can(.auditView) {
            links.append(["title": text("admin.items.audit"), "description": text("admin.dashboard.auditLink"), "href": "/admin/audit"])
        }
        fields["quickLinks"] = links
        return fields
    }

    func staffFields(members: [StaffMember]) -> [String: Any] {
        var fields = common
        fields["members"] = members.map { member -> [String: Any] in
            [
                "id": String(member.id),
                "email": member.email,
                "role": member.role.rawValue,
                "roleLabel": text("admin.roles.\(member.role.rawValue)"),
                "disabled": member.disabled,
                "lastLoginISO": member.lastLoginAt.map { $0.formatted(.iso8601) } ?? "",
                "lastLoginText": member.lastLoginAt.map(DisplayTime.text) ?? "",
                "createdText": DisplayTime.text(member.createdAt),
                "roles": StaffRole.allCases.filter { staff.role.canAssign($0) }.map { role -> [String: Any] in
                    ["value": role.rawValue, "label": text("admin.roles.\(role.rawValue)"), "selected": role == member.role]
                },
                "canEdit": staff.role.canAssign(member.role),
                "isSelf": member.id == staff.id,
                "pendingEnrolment": !member.enrolled,
            ]
        }
        fields["assignableRoles"] = StaffRole.allCases.filter { staff.role.canAssign($0) }.map { role -> [String: Any] in
            ["value": role.rawValue, "label": text("admin.roles.\(role.rawValue)"), "selected": role == .support]
        }
        return fields
    }

    func auditFields(records: [AuditRecord], chain: (rows: Int, firstBroken: Int64?), filter: AuditLog.Filter, pageSize: Int) -> [String:
        Any]
    {
        var fields = common
        fields["filters"] = ["actor": filter.actor ?? "", "action": filter.action ?? ""]
        var chainFields: [String: Any] = ["rows": chain.rows, "ok": chain.firstBroken == nil]
        if let broken = chain.firstBroken { chainFields["firstBroken"] = String(broken) }
        fields["chain"] = chainFields
        fields["records"] = records.map { record -> [String: Any] in
            [
                "id": String(record.id),
                "atISO": record.at.formatted(.iso8601),
                "atText": DisplayTime.text(record.at),
                "actor": record.entry.actor,
                "action": record.entry.action,
                "target": record.entry.target,
                "summary": record.entry.summary.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", "),
                "ip": record.entry.ip,
                "requestID": record.entry.requestID,
            ]
        }
        fields["hasRecords"] = !records.isEmpty
        if records.count == pageSize, let last = records.last {
            var items = ["before=\(last.id)"]
            if let actor = filter.actor { items.insert("actor=\(PageRenderer.queryEncode(actor))", at: 0) }
            if let action = filter.action { items.insert("action=\(PageRenderer.queryEncode(action))", at: 0) }
            fields["nextPageHref"] = "/admin/audit?" + items.joined(separator: "&")
        }
        return fields
    }
}
