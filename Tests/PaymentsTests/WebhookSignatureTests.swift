import Foundation
import Testing

@testable import Payments

/// Every signature here is made by stripe_sign.py (Python's hmac), never by the code under test.
@Suite struct WebhookSignatureTests {
    static let secret = "whsec_test_0123456789abcdef"
    let body = #"{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_test_1"}}}"#
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    static func header(secrets: [String], timestamp: Int, body: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("stripe_sign.py").path,
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(
            try JSONSerialization.data(withJSONObject: ["secrets": secrets, "timestamp": timestamp, "body": body] as [String: Any]))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self)
    }

    func verify(_ header: String?, body: String? = nil) throws(WebhookRefusal) {
        try WebhookSignature(secret: Self.secret).verify(body: Array((body ?? self.body).utf8), header: header, now: now)
    }

    @Test func aSignatureMadeWithTheSecretPasses() throws {
        try verify(try Self.header(secrets: [Self.secret], timestamp: Int(now.timeIntervalSince1970) - 10, body: body))
    }

    @Test func anyMatchingV1PassesSoASecretCanBeRolled() throws {
        try verify(try Self.header(secrets: ["whsec_old", Self.secret], timestamp: Int(now.timeIntervalSince1970), body: body))
    }

    @Test func anotherSecretOrAChangedBodyIsRefused() throws {
        let t = Int(now.timeIntervalSince1970)
        #expect(throws: WebhookRefusal.badSignature) { try verify(try Self.header(secrets: ["whsec_wrong"], timestamp: t, body: body)) }
        let header = try Self.header(secrets: [Self.secret], timestamp: t, body: body)
        #expect(throws: WebhookRefusal.badSignature) {
            try verify(header, body: body.replacingOccurrences(of: "cs_test_1", with: "cs_test_2"))
        }
    }

    @Test func aSignatureOlderThanFiveMinutesIsAReplay() throws {
        let old = try Self.header(secrets: [Self.secret], timestamp: Int(now.timeIntervalSince1970) - 301, body: body)
        #expect(throws: WebhookRefusal.outsideTolerance) { try verify(old) }
        try verify(try Self.header(secrets: [Self.secret], timestamp: Int(now.timeIntervalSince1970) - 299, body: body))
    }

    @Test func theSignerWritesTheHeaderPythonsHmacWrites() throws {
        let ours = WebhookSignature(secret: Self.secret).header(body: Array(body.utf8), timestamp: now)
        let python = try Self.header(secrets: [Self.secret], timestamp: Int(now.timeIntervalSince1970), body: body)
        #expect(python.hasPrefix(ours + ",v0="), "\(ours) vs \(python)")
    }

    @Test func aHeaderWithoutTimestampOrV1IsMissingItsSignature() {
        for header in [nil, "", "v1=abc", "t=1800000000", "t=1800000000,v0=abc", "t=x,v1=abc", "t=1,t=2,v1=abc"] {
            #expect(throws: WebhookRefusal.missingSignature) { try verify(header) }
        }
    }
}
