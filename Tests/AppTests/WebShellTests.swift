import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Persistence
import Schema
import TestSupport
import Testing

@testable import App

@Suite struct WebShellTests {
    @Test func theLandingPageFollowsAcceptLanguage() async throws {
        try await withLiveApp { client in
            let english = try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "en-GB,en;q=0.9"])
            #expect(english.status == .ok)
            #expect(english.text.contains(#"<html lang="en""#))
            let russian = try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "ru-RU,ru;q=0.9,en;q=0.5"])
            #expect(russian.text.contains(#"<html lang="ru""#))
            let unknown = try await client.execute(uri: "/", method: .get, headers: [.acceptLanguage: "de-DE"])
            #expect(unknown.text.contains(#"<html lang="ru""#), "Russian is the fallback")
        }
    }

    @Test func theLanguageSwitchSetsACookieAndNeverRedirectsOffSite() async throws {
        try await withLiveApp { client in
            let switched = try await client.execute(uri: "/lang/en?next=/signin", method: .get)
            #expect(switched.status == .seeOther || switched.status == .found)
            #expect(switched.headers[.location] == "/signin")
            #expect(switched.headers[.setCookie]?.contains("lang=en") == true)
            for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example"] {
                let response = try await client.execute(
                    uri: "/lang/ru?next=\(hostile.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)", method: .get)
                #expect(response.headers[.location] == "/", "\(hostile)")
            }
            let chosen = try await client.execute(uri: "/", method: .get, headers: [.cookie: "lang=en", .acceptLanguage: "ru"])
            #expect(chosen.text.contains(#"<html lang="en""#))
            let unknown = try await client.execute(uri: "/lang/xx", method: .get)
            #expect(unknown.status == .notFound)
        }
    }

    @Test func everyResponseCarriesTheSecurityHeaders() async throws {
        try await withLiveApp { client in
            for uri in ["/", "/no-such-page", "/health/live", "/css/croupier.css"] {
                let response = try await client.execute(uri: uri, method: .get)
                let csp = try #require(response.headers[.contentSecurityPolicy], "\(uri)")
                #expect(csp.contains("frame-ancestors 'none'"))
                #expect(csp.contains("script-src 'self'"))
                #expect(!csp.contains("unsafe-inline"))
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[HTTPField.Name("Referrer-Policy")!] != nil)
                #expect(response.headers[.requestID]?.isEmpty == false)
            }
        }
    }

    @Test func staticFilesAreServedWithCachingHeaders() async throws {
        try await withLiveApp { client in
            let css = try await client.execute(uri: "/css/croupier.css", method: .get)
            #expect(css.status == .ok)
            #expect(css.headers[.contentType]?.hasPrefix("text/css") == true)
            #expect(css.headers[.cacheControl]?.contains("max-age=3600") == true)
            let etag = try #require(css.headers[.eTag])
            let revalidated = try await client.execute(uri: "/css/croupier.css", method: .get, headers: [.ifNoneMatch: etag])
            #expect(revalidated.status == .notModified)
        }
    }

    @Test func pagesHaveNoInlineScriptOrStyle() async throws {
        try await withLiveApp { client in
            for uri in ["/", "/signin", "/admin/login", "/no-such-page"] {
                let html = try await client.execute(uri: uri, method: .get).text
                #expect(!html.contains("<script>"), "\(uri)")
                #expect(!html.contains(" style="), "\(uri)")
                #expect(!html.contains(" onclick="), "\(uri)")
            }
        }
    }
}

@Suite struct MalformedRequestTests {
    @Test func anUnknownRouteIs404WithTheRequestIDOnThePage() async throws {
        try await withLiveApp { client in
            let response = try await client.execute(uri: "/no-such-page", method: .get, headers: [.accept: "text/html"])
            #expect(response.status == .notFound)
            let id = try #require(response.headers[.requestID])
            #expect(response.text.contains(id))
            #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
        }
    }

    @Test func apiErrorsAreJSONWithACodeAndTheRequestID() async throws {
        try await withLiveApp { client in
            let response = try await client.execute(uri: "/api/v1/nothing", method: .get)
            #expect(response.status == .notFound)
            let error = try #require(try response.json()["error"] as? [String: Any])
            #expect(error["code"] as? String == "notFound")
            #expect(error["requestId"] as? String == response.headers[.requestID])
        }
    }

    @Test(arguments: ["/%zz", "/signin?next=%E0%A4%A", "/%C3%28", "/admin/login?x=%"])
    func badURLEncodingIs400(uri: String) async throws {
        try await withLiveApp { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .badRequest)
            #expect(response.headers[.requestID] != nil)
        }
    }

    @Test func aBodyOverTheLimitIs413() async throws {
        try await withLiveApp(maxBodyBytes: 4096) { client in
            let response = try await client.execute(
                uri: "/admin/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(repeating: UInt8(ascii: "a"), count: 10_000))
            #expect(response.status == .contentTooLarge)
            #expect(response.headers[.requestID] != nil)
        }
    }

    @Test func nothingEverShowsAStackTraceOrInternalDetail() async throws {
        try await withLiveApp { client in
            let response = try await client.execute(
                uri: "/admin/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "csrf=%ZZ&&&==="))
            #expect(response.status.code >= 400 && response.status.code < 500)
            #expect(!response.text.contains("Error("))
            #expect(!response.text.contains(".swift"))
        }
    }
}

@Suite struct StaffLoginTests {
    @Test func aFormWithoutAValidCSRFTokenIsRefused() async throws {
        try await withLiveApp { client in
            let response = try await client.execute(
                uri: "/admin/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "email=a%40b.c&csrf=00"))
            #expect(response.status == .forbidden)
        }
    }

    @Test func aFormWithTheTokenReachesTheSignInCheck() async throws {
        try await withLiveApp { client in
            let page = try await client.execute(uri: "/admin/login", method: .get)
            let cookie = try #require(page.headers[.setCookie]?.split(separator: ";").first.map(String.init))
            let token = try #require(page.text.firstMatch(of: /name="csrf" value="([0-9a-f]{64})"/)?.1)
            let response = try await client.execute(
                uri: "/admin/login", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: cookie],
                body: ByteBuffer(string: "email=owner%40casino.example&password=x&totp=123456&csrf=\(token)"))
            #expect(response.status == .unauthorized)
            #expect(response.text.contains("owner@casino.example"))
        }
    }
}

@Suite struct SchemaGuardTests {
    @Test func serveRefusesAnUnmigratedDatabaseNamingTheMigration() async throws {
        try await TestDatabase.withEmpty { database in
            let dependencies = try AppDependencies(configuration: try testConfiguration(database: database), logger: TestServices.logger)
            await #expect(
                throws: MigrationError.pending(
                    engine: "postgres", count: try MigrationSet.postgres().migrations.count, first: "0001_outbox.sql")
            ) {
                try await dependencies.withDatabase { try await dependencies.prepareSchemas(logger: TestServices.logger) }
            }
        }
    }

    @Test func migrateOnStartMigrates() async throws {
        try await TestDatabase.withEmpty { database in
            let dependencies = try AppDependencies(
                configuration: try testConfiguration(database: database, migrateOnStart: true), logger: TestServices.logger)
            try await dependencies.withDatabase { try await dependencies.prepareSchemas(logger: TestServices.logger) }
            let migrator = PostgresMigrator(database: database, migrations: try .postgres(), logger: TestServices.logger)
            #expect(try await migrator.pending().isEmpty)
        }
    }
}

@Suite struct LocalizationTests {
    @Test func russianAndEnglishHaveTheSameKeys() throws {
        let localization = try Localization(directory: packageRoot().appendingPathComponent("Sources/App/Resources/Locales"))
        let russian = localization.keys("ru")
        let english = localization.keys("en")
        #expect(russian.subtracting(english).isEmpty, "only in ru: \(russian.subtracting(english).sorted())")
        #expect(english.subtracting(russian).isEmpty, "only in en: \(english.subtracting(russian).sorted())")
        #expect(russian.count > 20)
    }

    @Test(
        arguments: [
            ("en-US,en;q=0.9", "en"), ("ru", "ru"), ("de, en;q=0.3", "en"), ("en;q=0.2, ru;q=0.8", "ru"), ("fr", nil), ("", nil),
            ("ru;q=0", nil),
        ] as [(String, String?)])
    func acceptLanguageIsReadByQuality(header: String, expected: String?) {
        #expect(Localization.preferred(acceptLanguage: header) == expected)
    }
}
