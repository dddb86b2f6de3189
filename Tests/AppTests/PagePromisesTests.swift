import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import App

/// Pages promise only what exists: every same-site link on the pages a player sees leads to a
/// page that answers, and the landing page names no game or protection that is not built.
@Suite struct PagePromisesTests {
    static let pages = ["/", "/lobby", "/wallet", "/profile", "/signin"]

    @Test func everyLinkOnThePlayerPagesLeadsToAPageThatExists() async throws {
        try await withLiveApp { client, ledger in
            let player = try await playerSession(7, ledger.database)
            var links: Set<String> = []
            for page in Self.pages {
                for lang in ["en", "ru"] {
                    let response = try await client.execute(
                        uri: page, method: .get, headers: player + [.acceptLanguage: lang])
                    #expect(response.status.code < 400, "\(page) in \(lang)")
                    links.formUnion(Self.sameSiteLinks(in: response.text))
                }
            }
            #expect(links.contains("/wallet"), "the links were found at all")
            for link in links.sorted() {
                let response = try await client.execute(uri: link, method: .get, headers: player)
                #expect(response.status != .notFound, "\(link) is linked from a player page but does not exist")
            }
        }
    }

    /// Limits and self-exclusion hold since player protection (docs/player-protection.md); the
    /// reality-check reminder on game pages is not built yet.
    @Test func theLandingPageNamesNoGameOrProtectionThatIsNotBuilt() async throws {
        try await withLiveApp { client in
            for (lang, built) in [("en", "self-exclusion"), ("ru", "самоисключение")] {
                let text = try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: lang]).text.lowercased()
                #expect(text.contains(built), "the \(lang) landing page names the protection that holds")
                for unbuilt in ["crash", "краш", "reality check"] {
                    #expect(!text.contains(unbuilt), "the \(lang) landing page promises \(unbuilt)")
                }
            }
        }
    }

    /// `href="/…"` values, without query or fragment; `//host` links are off-site.
    static func sameSiteLinks(in html: String) -> [String] {
        let pattern = /href="(\/[^"\/][^"]*|\/)"/
        return html.matches(of: pattern).compactMap { match in
            let href = String(match.output.1)
            return href.split(separator: "?").first.map(String.init)?.split(separator: "#").first.map(String.init)
        }
    }
}
