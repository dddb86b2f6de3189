import Core

/// The ways to sign in that this deployment offers, as the sign-in page shows them.
struct SignInOptions: Sendable {
    let telegram: TelegramSettings
    let site: SiteURL
    /// Development mode also offers the demo player's one-click sign-in.
    var development = false

    /// The sign-in page's model: its buttons, and what went wrong when it is shown again.
    struct Page: PageModel {
        var telegramConfigured = false
        var devSignInURL: String?
        var oidcURL: String?
        var telegramLoginURL: String?
        var telegramBotURL: String?
        var error: String?
    }

    /// Without a bot or an OpenID Connect client the page says so instead of showing buttons
    /// that cannot work. The OpenID Connect button leads when it is configured; the Login
    /// Widget's redirect (Telegram's login page returning to `/auth/telegram/callback` with the
    /// signed fields in the query) is the fallback.
    var page: Page {
        var page = Page()
        if development { page.devSignInURL = "/dev/signin" }
        if telegram.oidcConfigured {
            page.telegramConfigured = true
            page.oidcURL = "/auth/telegram/oidc"
        }
        if let botID = telegram.botToken.split(separator: ":").first, !botID.isEmpty {
            let returnTo = PageRenderer.queryEncode(site.absolute(.telegramCallback)).replacingOccurrences(of: "/", with: "%2F")
            let origin = PageRenderer.queryEncode(site.base).replacingOccurrences(of: "/", with: "%2F")
            page.telegramConfigured = true
            page.telegramLoginURL =
                "https://oauth.telegram.org/auth?bot_id=\(botID)&origin=\(origin)&return_to=\(returnTo)&request_access=write"
            if !telegram.botUsername.isEmpty { page.telegramBotURL = "https://t.me/\(telegram.botUsername)" }
        }
        return page
    }
}
