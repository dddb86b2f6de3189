import Compliance
import Core
import Foundation
import Hummingbird
import Identity
import Ledger

/// The console's players area (docs/back-office.md): the search (`/admin/players`), one
/// player's page (`/admin/players/{id}`) and the staff actions on them. Viewing needs
/// `players.view`; every action needs `players.manage`, a reason, and is audited by Identity in
/// the action's own transaction.
struct AdminPlayersController {
    let pages: PageRenderer
    let access: StaffAccess
    let players: PlayersBackOffice
    let view: AdminPlayerSources

    struct ActionForm: Decodable {
        let reason: String?
        let segment: String?
    }

    /// Every result an action's redirect can name; the page says it from the locale files.
    static let results = [
        "blocked", "unblocked", "sessionsEnded", "noteAdded", "tagged", "untagged", "reasonRequired", "alreadyDisabled",
        "notBlocked", "closedNotBlocked", "segmentUnknown",
    ]
    static let successes: Set<String> = ["blocked", "unblocked", "sessionsEnded", "noteAdded", "tagged", "untagged"]

    /// `console` is the console's route group (`/admin`, signed-in staff, CSRF-checked forms).
    func addRoutes(to console: RouterGroup<AppRequestContext>) {
        // The top bar's search box (admin_head) lands here: it is a players search.
        console.group("search").add(middleware: PermissionRequired(.playersView, access)).get { request, _ -> Response in
            let text = request.uri.queryParameters["q"].map(String.init) ?? ""
            return .redirect(to: "/admin/players?q=\(PageRenderer.queryEncode(text))", type: .normal)
        }
        let area = console.group("players").add(middleware: PermissionRequired(.playersView, access))
        area.get { request, context -> Response in
            let staff = try context.signedInStaff()
            let language = Localization.language(for: request)
            let text = { (key: String) in pages.localization.string(key, in: language) }
            let query = try await AdminPlayersQuery(request.uri.queryParameters, role: staff.role, sources: view)
            let found = try await players.directory.search(query.search)
            let page = AdminPlayersPage(
                query: query, found: found, currencies: try await view.currencies.all(), role: staff.role, language: language,
                text: text)
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/players")
            return pages.render(
                "admin_players", face: .admin, title: "admin.players.title", model: page, frame: console.frame, request: request,
                context: context)
        }
        area.get(":player") { request, context -> Response in
            let staff = try context.signedInStaff()
            let player = try playerID(context)
            guard let record = try await players.directory.record(of: player) else { throw AppError(.notFound, code: .playerNotFound) }
            let language = Localization.language(for: request)
            let result = request.uri.queryParameters["result"].map(String.init).flatMap { Self.results.contains($0) ? $0 : nil }
            let page = try await view.page(
                record, for: staff.role, query: request.uri.queryParameters, result: result,
                success: result.map(Self.successes.contains) ?? false, language: language,
                text: { pages.localization.string($0, in: language) })
            let console = AdminConsole(staff: staff, localization: pages.localization, language: language, path: "/admin/players")
            return pages.render(
                "admin_player", face: .admin, title: "admin.players.player.title", model: page, frame: console.frame, request: request,
                context: context)
        }
        action("block", area) { player, form, acting in
            try await players.blocks.block(player, reason: form.reason ?? "", by: acting)
            return "blocked"
        }
        action("unblock", area) { player, form, acting in
            try await players.blocks.unblock(player, reason: form.reason ?? "", by: acting)
            return "unblocked"
        }
        action("sessions/end", area) { player, form, acting in
            try await players.blocks.endSessions(of: player, reason: form.reason ?? "", by: acting)
            return "sessionsEnded"
        }
        action("notes", area) { player, form, acting in
            try await players.notes.add(form.reason ?? "", about: player, by: acting)
            return "noteAdded"
        }
        // A segment decides which bonus campaigns a player may get: tagging needs `risk.manage`
        // beside `players.manage`, so support cannot hand out a segment's bonuses.
        action("segments/tag", area, also: .riskManage) { player, form, acting in
            guard let segment = form.segment.flatMap(PlayerSegment.init(rawValue:)) else { throw PlayerActionRefusal.segmentUnknown }
            try await players.segments.tag(player, segment, by: acting)
            return "tagged"
        }
        action("segments/untag", area, also: .riskManage) { player, form, acting in
            guard let segment = form.segment.flatMap(PlayerSegment.init(rawValue:)) else { throw PlayerActionRefusal.segmentUnknown }
            try await players.segments.untag(player, segment, by: acting)
            return "untagged"
        }
    }

    /// `POST /admin/players/{id}/<path>` with `players.manage` (and `also`, when given): runs
    /// `body` and sends the staff member back to the player's page, which says what happened. A
    /// refusal is audited.
    private func action(
        _ path: String, _ area: RouterGroup<AppRequestContext>, also: Permission? = nil,
        _ body: @escaping @Sendable (PlayerID, ActionForm, StaffActing) async throws -> String
    ) {
        area.post(":player/\(path)") { request, context -> Response in
            let staff = try await access.require(.playersManage, request, context)
            if let also { _ = try await access.require(also, request, context) }
            let player = try playerID(context)
            let form = try await URLEncodedFormDecoder().decode(
                ActionForm.self, from: String(buffer: request.body.collect(upTo: context.maxUploadSize)))
            let acting = StaffActing(actor: "staff:\(staff.id)", ip: context.clientAddress, requestID: context.requestID)
            do {
                return back(to: player, try await body(player, form, acting))
            } catch let refusal as PlayerActionRefusal {
                if refusal == .notFound { throw AppError(.notFound, code: .playerNotFound) }
                try await access.record(
                    "access.refused", by: staff, target: "player:\(player.rawValue)", summary: ["reason": refusal.code, "action": path],
                    request, context)
                return back(to: player, refusal.code)
            }
        }
    }

    private func playerID(_ context: AppRequestContext) throws -> PlayerID {
        guard let id = context.parameters.get("player", as: Int64.self) else { throw AppError(.notFound, code: .playerNotFound) }
        return PlayerID(id)
    }

    private func back(to player: PlayerID, _ result: String) -> Response {
        Response.redirect(to: "/admin/players/\(player.rawValue)?result=\(result)", type: .normal)
    }
}

/// Identity's back-office APIs the players area uses.
struct PlayersBackOffice: Sendable {
    let directory: PlayerDirectory
    let blocks: PlayerBlocks
    let notes: PlayerNotes
    let segments: PlayerSegments
}
