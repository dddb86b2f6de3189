import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

@testable import App

/// `/lang/*?next=` redirects only to a path on this site. Browsers drop tabs and newlines from
/// a Location and read `\` as `/`, and a proxy or a later decode may undo percent-encoding, so
/// each of those spellings of `//host` is refused too.
@Suite struct LanguageSwitchTests {
    /// `next` as the handler receives it, decoded once from the query.
    @Test(arguments: [
        "//evil.example/", "/\\evil.example", "\\\\evil.example", "https://evil.example/", "/\t/evil.example", "\t//evil.example",
        "/%2F%2Fevil.example", "/%2f/evil.example", "%2F%2Fevil.example", "/%5Cevil.example", "/%5cevil.example", "/%09/evil.example",
        "/%252F%252Fevil.example", "/%0A/evil.example", "/%2509/evil.example", "/ /evil.example", "", "wallet",
    ])
    func offSiteSpellingsGoToTheLandingPage(next: String) {
        #expect(SiteRoute.localPath(next) == "/")
    }

    @Test(arguments: ["/", "/signin", "/wallet", "/games/dice", "/admin/login"])
    func pathsOnThisSiteAreKept(next: String) {
        #expect(SiteRoute.localPath(next) == next)
    }

    @Test func encodedTabsAndSlashesInTheQueryRedirectHome() async throws {
        try await withLiveApp { client in
            for query in [
                "/%09/evil.example", "%2F%09%2Fevil.example", "/%252F%252Fevil.example", "/%255Cevil.example", "/%5C%5Cevil.example",
            ] {
                let response = try await client.execute(uri: "/lang/en?next=\(query)", method: .get)
                #expect(response.headers[.location] == "/", "\(query)")
            }
            let kept = try await client.execute(uri: "/lang/en?next=%2Fwallet", method: .get)
            #expect(kept.headers[.location] == "/wallet")
        }
    }
}
