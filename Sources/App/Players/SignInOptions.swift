import Core

/// The ways to sign in that this deployment offers, as the sign-in page shows them.
struct SignInOptions: Sendable {
    let telegram: TelegramSettings
    let site: SiteURL
    /// Development mode also offers the demo player's one-click sign-in.
    var development = false

    /// Without a bot or an OpenID Connect client the page says so instead of showing buttons
    /// that cannot work. The OpenID Connect button leads when it is configured; the Login
    /// Widget's redirect (Telegram's login page returning to `/auth/telegram/callback` with the
    /// signed fields in the query) is the fallback.
    var fields: [String: Any] {
        var fields: [String: Any] = ["telegramConfigured": false]
        if development { fields["devSignInURL"] = "/dev/signin" }
        if telegram.oidcConfigured {
            fields["telegramConfigured"] = true
            fields["oidcURL"] = "/auth/telegram/oidc"
        }
        if let botID = telegram.botToken.split(separator: ":").first, !botID.isEmpty {
            let returnTo = PageRenderer.queryEncode(site.absolute(.telegramCallback)).replacingOccurrences(of: "/", with: "%2F")
            let origin = PageRenderer.queryEncode(site.base).replacingOccurrences(of: "/", with: "%2F")
            fields["telegramConfigured"] = true
            fields["telegramLoginURL"] =
                "https://oauth.telegram.org/auth?bot_id=\(botID)&origin=\(origin)&return_to=\(returnTo)&request_access=write"
            if !telegram.botUsername.isEmpty { fields["telegramBotURL"] = "https://t.me/\(telegram.botUsername)" }
        }
        return fields
    }
}
