import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Reporting
import TestSupport
import Testing

@testable import App

/// `POST /api/v1/reports/run` (docs/reports.md): `reports.view` runs a report on ClickHouse;
/// a hostile spec is a named 400; a ClickHouse that does not answer is a 503 to try again.
@Suite struct ReportAPITests {
    static let spec =
        #"{"measures":["turnover","ggr","active_players"],"dimensions":["time","currency"],"from":"2026-11-01","to":"2026-11-30"}"#

    /// The URL of a test's own ClickHouse database, as the configuration takes it.
    static func url(of client: ClickHouseClient) -> String {
        let endpoint = client.endpoint
        return endpoint.baseURL.replacingOccurrences(of: "://", with: "://\(endpoint.user)@") + "/" + (endpoint.database ?? "")
    }

    func run(_ client: any TestClientProtocol, _ headers: HTTPFields, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1/reports/run", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test func anAnalystRunsAReportAndSupportMayNot() async throws {
        try await TestClickHouse.with { clickHouse in
            let own: (inout Configuration) -> Void = { $0.clickHouseURL = Self.url(of: clickHouse) }
            try await withTestApp(configure: own) { client, dependencies, database in
                let staff = StaffAPITests()
                let secret = dependencies.configuration.secretKey
                let analyst = try await staff.signedIn(client, database, secret: secret, email: "analyst@casino.example", role: .analyst)
                let answer = try await run(client, analyst, Self.spec)
                #expect(answer.status == .ok)
                #expect(try answer.json()["columns"] as? [String] == ["time", "currency", "turnover", "ggr", "active_players"])
                #expect((try answer.json()["rows"] as? [[String]])?.isEmpty == true, "no play in this database")

                let hostile = try await run(
                    client, analyst, #"{"measures":["ggr; DROP TABLE events"],"from":"2026-11-01","to":"2026-11-02"}"#)
                #expect(hostile.status == .badRequest)
                #expect(try StaffAPITests.code(hostile) == "unknownMeasure")
                let tooLong = try await run(
                    client, analyst,
                    #"{"measures":["active_players"],"dimensions":["time"],"grain":"hour","from":"2016-01-01","to":"2025-12-31"}"#)
                #expect(try StaffAPITests.code(tooLong) == "rangeTooLarge")

                let support = try await staff.signedIn(client, database, secret: secret, email: "support@casino.example", role: .support)
                let refused = try await run(client, support, Self.spec)
                #expect(refused.status == .forbidden)
            }
        }
    }

    @Test func aClickHouseThatDoesNotAnswerIsA503() async throws {
        let closed: (inout Configuration) -> Void = { $0.clickHouseURL = "http://default@127.0.0.1:1/croupier" }
        try await withTestApp(configure: closed) { client, dependencies, database in
            let analyst = try await StaffAPITests().signedIn(
                client, database, secret: dependencies.configuration.secretKey, email: "analyst@casino.example", role: .analyst)
            let answer = try await run(client, analyst, Self.spec)
            #expect(answer.status == .serviceUnavailable)
            #expect(try StaffAPITests.code(answer) == "reportingUnavailable")
            let dashboard = try await client.execute(uri: "/admin", method: .get, headers: [.cookie: analyst[.cookie] ?? ""])
            #expect(dashboard.status == .ok, "the dashboard never fails for the analytics copy")
            #expect(String(buffer: dashboard.body).contains("dashboard-today-unavailable"))
        }
    }
}
