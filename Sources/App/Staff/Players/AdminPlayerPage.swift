import Core
import Foundation
import Identity

/// One player's page for staff (`/admin/players/{id}`, `admin_player`). Identity's sections
/// (profile, sign-in, segments, notes, sessions) are for everyone with `players.view`; the
/// money, risk and audit sections are nil (not shown) for a role without `money.view`,
/// `risk.view` or `audit.view`. Actions are offered with `players.manage` only.
struct AdminPlayerPage: PageModel {
    struct Fact {
        let label: String
        let value: String
    }

    struct Segment {
        let value: String
        let label: String
        let tagged: Bool
    }

    struct Note {
        let author: String
        let body: String
        let atISO: String
        let atText: String
    }

    struct Device {
        let userAgent: String
        let ip: String
        let since: String
        let seen: String
    }

    let player: String
    let name: String
    let stateLabel: String
    let badge: String
    let blocked: Bool
    let closed: Bool
    let active: Bool
    let profile: [Fact]
    let signIn: [Fact]
    let segments: [Segment]
    let tagged: [Segment]
    let hasTagged: Bool
    let notes: [Note]
    let hasNotes: Bool
    let devices: [Device]
    let hasDevices: Bool
    let manage: Bool
    let notice: String?
    let error: String?
    var money: AdminPlayerMoney?
    var risk: AdminPlayerRisk?
    var audit: AdminPlayerAudit?
    /// The KYC review page, for a role with `kyc.review`.
    var kycHref: String?
    /// The adjustment request form for this player, for a role with `money.adjust`.
    var adjustHref: String?
    /// Segments decide bonus eligibility (docs/bonuses.md), so tagging needs `risk.manage` too.
    var segmentsEditable = false

    init(
        record: PlayerRecord, segments tagged: [PlayerSegment], notes: [PlayerNote], devices: [SessionStore.Device], manage: Bool,
        result: String?, success: Bool, text: (String) -> String
    ) {
        player = String(record.id.rawValue)
        name = record.name.isEmpty ? text("admin.players.noName") : record.name
        stateLabel = text("admin.players.states.\(record.state.rawValue)")
        badge = Self.badge(record.state)
        blocked = record.state == .blocked
        closed = record.state == .closed
        active = record.state == .active
        let never = text("admin.players.never")
        profile = [
            Fact(label: text("admin.players.columns.id"), value: player),
            Fact(label: text("admin.players.columns.name"), value: name),
            Fact(label: text("admin.players.player.language"), value: record.language),
            Fact(label: text("admin.players.columns.registered"), value: DisplayTime.text(record.registeredAt)),
            Fact(label: text("admin.players.columns.seen"), value: record.lastSeenAt.map(DisplayTime.text) ?? never),
            Fact(label: text("admin.players.player.disabledAt"), value: record.disabledAt.map(DisplayTime.text) ?? "—"),
        ]
        signIn = [
            Fact(
                label: text("admin.players.player.telegram"),
                value: "\(record.telegramID)" + (record.username.map { " (@\($0))" } ?? "")),
            Fact(
                label: text("admin.players.player.email"),
                value: record.email + " · " + text("admin.players.player.confirmed") + " " + DisplayTime.text(record.emailConfirmedAt)),
        ]
        segments = PlayerSegment.known.map {
            Segment(value: $0.rawValue, label: text("admin.players.segments.\($0.rawValue)"), tagged: tagged.contains($0))
        }
        self.tagged = segments.filter(\.tagged)
        hasTagged = !self.tagged.isEmpty
        self.notes = notes.map {
            Note(author: $0.author, body: $0.body, atISO: $0.createdAt.formatted(.iso8601), atText: DisplayTime.text($0.createdAt))
        }
        hasNotes = !notes.isEmpty
        self.devices = devices.map {
            Device(
                userAgent: $0.userAgent.isEmpty ? "—" : $0.userAgent, ip: $0.ip, since: DisplayTime.text($0.createdAt),
                seen: DisplayTime.text($0.lastSeenAt))
        }
        hasDevices = !devices.isEmpty
        self.manage = manage
        let words = result.map { text("admin.players.results.\($0)") }
        notice = success ? words : nil
        error = success ? nil : words
    }

    static func badge(_ state: PlayerRecord.State) -> String {
        switch state {
        case .active: "success"
        case .blocked: "danger"
        case .closed: "warning"
        }
    }
}

/// The audit trail about the player (`audit.view`), newest first.
struct AdminPlayerAudit {
    struct Row {
        let atISO: String
        let atText: String
        let actor: String
        let action: String
        let details: String
    }

    let rows: [Row]
    let hasRows: Bool

    init(_ records: [AuditRecord]) {
        rows = records.map { record in
            Row(
                atISO: record.at.formatted(.iso8601), atText: DisplayTime.text(record.at), actor: record.entry.actor,
                action: record.entry.action,
                details: record.entry.summary.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "; "))
        }
        hasRows = !rows.isEmpty
    }
}
