import Foundation
import Testing

@testable import Payments

/// The IPN canonical form NOWPayments signs: every object's keys sorted, no whitespace, numbers as
/// written. Checked against Python's json and hmac (nowpayments_sign.py), never against itself.
@Suite struct SortedJSONTests {
    static let secret = "ipn-secret-0123456789"

    static func python(_ body: String) throws -> (sorted: String, signature: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("nowpayments_sign.py").path,
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: ["secret": secret, "body": body]))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let answer = try JSONSerialization.jsonObject(with: data) as? [String: String] ?? [:]
        return (answer["sorted"] ?? "", answer["signature"] ?? "")
    }

    @Test func keysAreSortedAtEveryDepthAsPythonSortsThem() throws {
        let body = #"""
            {"payment_status":"finished", "price_amount": 25.5, "order_id":"dep_x",
             "fee":{"depositFee":0,"currency":"btc","serviceFee":12},"payment_id":5077125051,
             "note":"Ünïcode \"quoted\" \\ back\nline","parts":[{"b":1,"a":2},true,null]}
            """#
        let ours = try SortedJSON.parse(Array(body.utf8)).sorted
        #expect(ours == (try Self.python(body)).sorted)
    }

    @Test func aSignatureOverTheSortedFormHoldsWhateverTheKeyOrder() throws {
        let one = #"{"payment_id":1,"payment_status":"finished","price_amount":10,"price_currency":"eur"}"#
        let other = #"{"price_currency":"eur","price_amount":10,"payment_status":"finished","payment_id":1}"#
        let signature = try Self.python(one).signature
        for body in [one, other] {
            let gateway = NOWPaymentsGateway(
                settings: .init(apiURL: "http://127.0.0.1:9", apiKey: "k", ipnSecret: Self.secret), callbackURL: "http://x")
            let webhook = try gateway.verifyWebhook(body: Array(body.utf8), headers: ["x-nowpayments-sig": signature], now: Date())
            #expect(webhook == VerifiedWebhook(eventID: "1:finished", eventType: "finished"))
        }
        let changed = #"{"payment_id":1,"payment_status":"finished","price_amount":1000,"price_currency":"eur"}"#
        let gateway = NOWPaymentsGateway(
            settings: .init(apiURL: "http://127.0.0.1:9", apiKey: "k", ipnSecret: Self.secret), callbackURL: "http://x")
        #expect(throws: WebhookRefusal.badSignature) {
            try gateway.verifyWebhook(body: Array(changed.utf8), headers: ["x-nowpayments-sig": signature], now: Date())
        }
        #expect(throws: WebhookRefusal.missingSignature) { try gateway.verifyWebhook(body: Array(one.utf8), headers: [:], now: Date()) }
    }

    @Test func numbersAreKeptExactlyAsWritten() throws {
        let json = try SortedJSON.parse(Array(#"{"b":25.50,"a":-0.1e-7,"c":12345678901234567890}"#.utf8))
        #expect(json.sorted == #"{"a":-0.1e-7,"b":25.50,"c":12345678901234567890}"#)
        #expect(json["b"]?.text == "25.50")
    }

    @Test func malformedJSONIsRefused() {
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        for text in ["", "{", #"{"a":1}x"#, #"{"a":01}"#, #"{"a":1.}"#, #"{"a":"x"#, #"{'a':1}"#, "[1,]", #"{"a":"\x"}"#, deep, "nul"] {
            #expect(throws: SortedJSON.Malformed.self, "\(text)") { try SortedJSON.parse(Array(text.utf8)) }
        }
    }
}
