import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Persistence
import TestSupport
import Testing

@testable import App

@Suite struct SystemHealthPageTests {
    /// ClickHouse is pointed at a closed port: the page says it is down while PostgreSQL is ok,
    /// counts a queued mail (no SMTP here, so it waits), and lists this copy with its jobs once
    /// its heartbeat has run.
    @Test func thePageShowsEachDependencyQueueAndRunningCopy() async throws {
        let closedClickHouse: (inout Configuration) -> Void = { $0.clickHouseURL = "http://default@127.0.0.1:1/croupier" }
        try await withTestApp(configure: closedClickHouse) { client, dependencies, database in
            try await database.withConnection { connection in
                try await MailQueue.enqueue(
                    OutgoingMail(recipient: "p@casino.example", subject: "s", text: "t", html: "h"), on: connection,
                    logger: TestServices.logger)
            }
            let admin = try await staffSessionCookies(client, database, dependencies.configuration.secretKey, role: .admin)
            var page = ""
            let deadline = ContinuousClock.now + .seconds(90)
            repeat {
                let response = try await client.execute(uri: "/admin/health", method: .get, headers: [.cookie: admin])
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "no-store")
                page = response.text
                if page.contains(#"data-job="outbox relay""#) { break }
                try await Task.sleep(for: .milliseconds(500))
            } while ContinuousClock.now < deadline
            #expect(page.contains(#"data-name="postgres" data-state="ok""#) || page.contains(#"data-name="postgres" data-state="slow""#))
            #expect(page.contains(#"data-name="clickhouse" data-state="down""#))
            #expect(page.contains(#"data-testid="health-copy" data-role="serve" data-silent="false""#))
            #expect(page.contains(#"data-job="outbox relay""#))
            #expect(page.contains(#"data-job="heartbeat""#) || page.contains(#"data-job="webhook processing""#))
            let mail = try #require(page.range(of: #"data-queue="mail""#))
            #expect(page[mail.upperBound...].prefix(400).contains(#"data-testid="health-queue-count">1<"#), "the queued mail is counted")
            #expect(page.contains(#"data-testid="health-pending-migrations">0<"#))
            #expect(page.contains(#"data-testid="health-stream-messages""#), "the stream's figures are shown")
        }
    }

    @Test func onlyARoleWithSystemViewSeesThePage() async throws {
        try await withTestApp { client, dependencies, database in
            let secret = dependencies.configuration.secretKey
            let support = try await staffSessionCookies(client, database, secret, role: .support)
            let refused = try await client.execute(uri: "/admin/health", method: .get, headers: [.cookie: support])
            #expect(refused.status == .forbidden)
            let supportConsole = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: support])
            #expect(!supportConsole.text.contains(#"href="/admin/health""#))
            let owner = try await staffSessionCookies(client, database, secret, role: .owner)
            let ownerConsole = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: owner])
            #expect(ownerConsole.text.contains(#"href="/admin/health""#))
            let anonymous = try await client.execute(uri: "/admin/health", method: .get)
            #expect(anonymous.status != .ok)
        }
    }
}
