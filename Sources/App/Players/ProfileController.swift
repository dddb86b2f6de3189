import Core
import Foundation
import Hummingbird
import Identity

/// The player's profile: who they are, and every browser signed in as them, each of which
/// they can sign out (which also withdraws that device's 30-day trust).
struct ProfileController {
    let pages: PageRenderer
    let signIn: PlayerSignIn
    let sessions: SessionStore
    let access: StaffAccess
    let secureCookies: Bool
    let header: PlayerHeader

    /// `forms` checks the CSRF token of every form posted to it.
    func addRoutes(to forms: RouterGroup<AppRequestContext>) {
        let own = forms.group("/profile").add(middleware: SignInRequired.player)
        own.get { request, context -> Response in
            let player = try context.signedInPlayer()
            guard let profile = try await signIn.profile(player) else {
                return Response.redirect(to: SiteRoute.signIn.rawValue, type: .normal)
            }
            let language = Localization.language(for: request)
            let devices = try await sessions.devices(of: player, current: request.cookies[PlayerSessionMiddleware.cookieName]?.value)
            let page = ProfilePage(
                profile: .init(
                    id: String(profile.id.rawValue), telegramId: String(profile.telegramID), username: profile.username ?? "",
                    firstName: profile.firstName, email: profile.email),
                devices: devices.map { device in
                    .init(
                        id: String(device.id), current: device.current, label: DeviceLabel.describe(device.userAgent), ip: device.ip,
                        lastSeenISO: device.lastSeenAt.formatted(.iso8601), lastSeenText: DisplayTime.text(device.lastSeenAt),
                        createdISO: device.createdAt.formatted(.iso8601), createdText: DisplayTime.text(device.createdAt))
                },
                notice: request.uri.queryParameters["result"] == "revoked"
                    ? pages.localization.string("profile.devices.revoked", in: language) : nil)
            return pages.render(
                "profile", face: .player, title: "profile.title", model: page,
                frame: try await header.frame(for: player, language: language, active: "profile"), request: request, context: context)
        }
        own.post("devices/:id/revoke") { request, context -> Response in
            let player = try context.signedInPlayer()
            guard let id = context.parameters.get("id", as: Int64.self) else { throw AppError(.notFound, code: .deviceNotFound) }
            let current = try await sessions.devices(of: player, current: request.cookies[PlayerSessionMiddleware.cookieName]?.value)
                .first { $0.current }?.id
            guard try await sessions.revoke(device: id, of: player) else { throw AppError(.notFound, code: .deviceNotFound) }
            try await access.record(
                "player.device_revoked", by: nil, actor: "player:\(player.rawValue)", target: "session:\(id)", request, context)
            if id == current { return signedOut() }
            return Response.redirect(to: "/profile?result=revoked", type: .normal)
        }
        own.post("signout") { request, context -> Response in
            let player = try context.signedInPlayer()
            try await sessions.revokeAll(of: .player(player))
            try await access.record(
                "player.logout", by: nil, actor: "player:\(player.rawValue)", summary: ["scope": "everywhere"], request, context)
            return signedOut()
        }
    }

    private func signedOut() -> Response {
        var response = Response.redirect(to: SiteRoute.signIn.rawValue, type: .normal)
        response.setCookie(
            Cookie(
                name: PlayerSessionMiddleware.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true,
                sameSite: .lax))
        return response
    }
}

/// "Firefox on Android" from a User-Agent header: enough for a person to recognise a device.
enum DeviceLabel {
    static func describe(_ userAgent: String) -> String {
        let browsers: [(String, String)] = [
            ("Telegram", "Telegram"), ("Edg/", "Edge"), ("OPR/", "Opera"), ("YaBrowser", "Yandex Browser"), ("Firefox/", "Firefox"),
            ("Chrome/", "Chrome"), ("Safari/", "Safari"),
        ]
        let systems: [(String, String)] = [
            ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"), ("Mac OS X", "macOS"),
            ("CrOS", "ChromeOS"),
            ("Linux", "Linux"),
        ]
        let browser = browsers.first { userAgent.contains($0.0) }?.1
        let system = systems.first { userAgent.contains($0.0) }?.1
        switch (browser, system) {
        case (let browser?, let system?): return "\(browser) · \(system)"
        case (let browser?, nil): return browser
        case (nil, let system?): return system
        case (nil, nil): return userAgent.isEmpty ? "—" : String(userAgent.prefix(60))
        }
    }
}

/// `/profile`: who the player is to Croupier and the devices signed in as them.
struct ProfilePage: PageModel {
    struct Profile {
        let id: String
        let telegramId: String
        let username: String
        let firstName: String
        let email: String
    }

    struct Device {
        let id: String
        let current: Bool
        let label: String
        let ip: String
        let lastSeenISO: String
        let lastSeenText: String
        let createdISO: String
        let createdText: String
    }

    let profile: Profile
    let devices: [Device]
    let notice: String?
}
