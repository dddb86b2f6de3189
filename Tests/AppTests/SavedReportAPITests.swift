import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import Persistence
import Reporting
import TestSupport
import Testing

@testable import App

/// Saved reports through the API (docs/reports.md "Saved reports", "Schedules"): `reports.view`
/// reads and exports, `reports.manage` changes, each change audited; refusals are named; a
/// schedule's due time queues its mails once however many copies run the job.
@Suite struct SavedReportAPITests {
    static let body =
        #"{"name":"Provider GGR","relativeRange":"yesterday","spec":{"measures":["turnover","ggr"],"dimensions":["provider"],"filters":[{"dimension":"currency","values":["EUR"]}],"from":"2026-11-01","to":"2026-11-30"}}"#

    func call(_ client: any TestClientProtocol, _ uri: String, _ method: HTTPRequest.Method, _ headers: HTTPFields, _ body: String? = nil)
        async throws -> TestResponse
    {
        try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) })
    }

    func withReportsApp(_ body: @escaping @Sendable (any TestClientProtocol, AppDependencies, Database) async throws -> Void) async throws {
        try await TestClickHouse.with { clickHouse in
            try await withTestApp(configure: { $0.clickHouseURL = ReportAPITests.url(of: clickHouse) }, body)
        }
    }

    @Test func anAnalystSavesUpdatesExportsAndDeletesAReportThatRiskMayOnlyRead() async throws {
        try await withReportsApp { client, dependencies, database in
            let staff = StaffAPITests()
            let secret = dependencies.configuration.secretKey
            let analyst = try await staff.signedIn(client, database, secret: secret, email: "analyst@casino.example", role: .analyst)
            let risk = try await staff.signedIn(client, database, secret: secret, email: "risk@casino.example", role: .risk)

            let refused = try await call(client, "/api/v1/reports", .post, risk, Self.body)
            #expect(refused.status == .forbidden, "risk has reports.view only")
            let created = try await call(client, "/api/v1/reports", .post, analyst, Self.body)
            #expect(created.status == .created)
            let id = try #require(try created.json()["id"] as? String)
            #expect(try created.json()["version"] as? Int == 1)
            #expect(try created.json()["relativeRange"] as? String == "yesterday")
            let again = try await call(
                client, "/api/v1/reports", .post, analyst, Self.body.replacingOccurrences(of: "Provider GGR", with: "provider ggr"))
            #expect(again.status == .conflict)
            #expect(try StaffAPITests.code(again) == "reportNameTaken")
            let hostile = try await call(
                client, "/api/v1/reports", .post, analyst, Self.body.replacingOccurrences(of: "\"ggr\"", with: "\"ggr'--\""))
            #expect(try StaffAPITests.code(hostile) == "unknownMeasure")

            let list = try await call(client, "/api/v1/reports", .get, risk)
            #expect((try list.json()["reports"] as? [[String: Any]])?.map { $0["name"] as? String } == ["Provider GGR"])
            let csv = try await call(client, "/api/v1/reports/\(id)/export?format=csv", .get, risk)
            #expect(csv.status == .ok && csv.text == "provider,turnover,ggr\r\n")
            #expect(csv.headers[.contentDisposition] == "attachment; filename=\"croupier-report-\(id).csv\"")
            let xlsx = try await call(client, "/api/v1/reports/\(id)/export?format=xlsx", .get, risk)
            #expect(xlsx.status == .ok && Array(xlsx.body.readableBytesView.prefix(2)) == Array("PK".utf8))
            let json = try await call(client, "/api/v1/reports/\(id)/export?format=json", .get, risk)
            #expect(try json.json()["columns"] as? [String] == ["provider", "turnover", "ggr"])

            let update = Self.body.replacingOccurrences(of: "\"name\":\"Provider GGR\"", with: "\"name\":\"Providers\",\"version\":1")
            let updated = try await call(client, "/api/v1/reports/\(id)", .put, analyst, update)
            #expect(updated.status == .ok)
            #expect(try updated.json()["version"] as? Int == 2)
            let stale = try await call(client, "/api/v1/reports/\(id)", .put, analyst, update)
            #expect(stale.status == .conflict)
            #expect(try StaffAPITests.code(stale) == "reportVersionConflict")

            let deleted = try await call(client, "/api/v1/reports/\(id)", .delete, analyst)
            #expect(deleted.status == .noContent)
            let gone = try await call(client, "/api/v1/reports/\(id)", .get, analyst)
            #expect(gone.status == .notFound)
            #expect(try StaffAPITests.code(gone) == "reportNotFound")
            let audit = try await AuditLog(database: database, logger: TestServices.logger).search(.init(target: "report:\(id)"))
            #expect(Set(audit.map(\.entry.action)) == ["reports.saved", "reports.updated", "reports.deleted"])
        }
    }

    @Test func aDueScheduleQueuesOneMailPerRecipientOnceWhateverTheCopies() async throws {
        try await withReportsApp { client, dependencies, database in
            let analyst = try await StaffAPITests().signedIn(
                client, database, secret: dependencies.configuration.secretKey, email: "analyst@casino.example", role: .analyst)
            let id = try #require(try await call(client, "/api/v1/reports", .post, analyst, Self.body).json()["id"] as? String)
            let badSchedule = try await call(
                client, "/api/v1/reports/\(id)/schedule", .put, analyst,
                #"{"cadence":"weekly","hour":7,"timeZone":"Europe/Moscow","format":"xlsx","recipients":["cfo@casino.example"]}"#)
            #expect(try StaffAPITests.code(badSchedule) == "scheduleInvalid")
            let scheduled = try await call(
                client, "/api/v1/reports/\(id)/schedule", .put, analyst,
                #"{"cadence":"daily","hour":7,"timeZone":"Europe/Moscow","format":"xlsx","recipients":["cfo@casino.example","ops@casino.example"],"language":"ru"}"#
            )
            #expect(scheduled.status == .ok)
            #expect((try scheduled.json()["schedule"] as? [String: Any])?["nextDueAt"] is String)

            let library = dependencies.savedReportLibrary(logger: TestServices.logger)
            // The console's "send now" makes it due at once.
            let sendNow = try await call(client, "/admin/reports/saved/\(id)/send", .post, analyst)
            #expect(sendNow.status == .seeOther && sendNow.headers[.location] == "/admin/reports?saved=\(id)&result=queued")
            let first = try dependencies.reportScheduleJob(logger: TestServices.logger)
            let second = try dependencies.reportScheduleJob(logger: TestServices.logger)
            async let one = first.sendDue()
            async let two = second.sendDue()
            _ = try await [one, two]
            // The service's own copy may have taken it first; either way it is recorded once.
            let mails = try await MailQueue(database: database, logger: TestServices.logger).recent().filter {
                $0.mail.subject.contains("Provider GGR")
            }
            #expect(mails.map(\.mail.recipient).sorted() == ["cfo@casino.example", "ops@casino.example"])
            #expect(mails.allSatisfy { $0.mail.subject.hasPrefix("Отчёт Croupier") })
            let entry = try #require(try await library.schedules.entry(of: Int64(id) ?? 0))
            #expect(entry.lastRun?.outcome == .sent && entry.lastRun?.rows == 0)
            #expect(entry.nextDueAt > Date(), "back on its daily hour")
            #expect(try await first.sendDue() == 0)
        }
    }

    @Test func aSavedSpecThatBecameInvalidIsRefusedByNameAndItsScheduledRunFailsWithoutMail() async throws {
        try await withReportsApp { client, dependencies, database in
            let analyst = try await StaffAPITests().signedIn(
                client, database, secret: dependencies.configuration.secretKey, email: "analyst@casino.example", role: .analyst)
            let id = try #require(try await call(client, "/api/v1/reports", .post, analyst, Self.body).json()["id"] as? String)
            let scheduled = try await call(
                client, "/api/v1/reports/\(id)/schedule", .put, analyst,
                #"{"cadence":"weekly","weekday":1,"hour":7,"timeZone":"UTC","format":"csv","recipients":["cfo@casino.example"]}"#)
            #expect(scheduled.status == .ok)
            // What a later model might do to a saved spec: a measure it no longer knows.
            try await database.withConnection { connection in
                _ = try await connection.query(
                    "UPDATE reporting_saved_reports SET spec = jsonb_set(spec, '{measures}', '[\"retired_measure\"]')",
                    logger: TestServices.logger
                ).collect()
            }
            let export = try await call(client, "/api/v1/reports/\(id)/export?format=csv", .get, analyst)
            #expect(export.status == .badRequest)
            #expect(try StaffAPITests.code(export) == "unknownMeasure")

            let sendNow = try await call(client, "/admin/reports/saved/\(id)/send", .post, analyst)
            #expect(sendNow.status == .seeOther)
            _ = try await dependencies.reportScheduleJob(logger: TestServices.logger).sendDue()
            let entry = try #require(
                try await dependencies.savedReportLibrary(logger: TestServices.logger).schedules.entry(of: Int64(id) ?? 0))
            #expect(entry.lastRun?.outcome == .failed && entry.lastRun?.detail == "unknownMeasure")
            let mails = try await MailQueue(database: database, logger: TestServices.logger).recent()
            #expect(!mails.contains { $0.mail.recipient == "cfo@casino.example" }, "a failed run mails no one")
            let page = try await call(client, "/admin/reports", .get, [.cookie: analyst[.cookie] ?? ""])
            #expect(page.text.contains("saved-last-run-detail"), "the console shows why it failed")
        }
    }
}
