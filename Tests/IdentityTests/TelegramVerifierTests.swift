import Foundation
import Testing

@testable import Identity

/// Every signature here is made by tests/IdentityTests/telegram_sign.py (Python's hashlib, hmac
/// and cryptography), never by the code under test.
@Suite struct TelegramVerifierTests {
    static let botToken = "7000001:AAH-test-token-for-croupier"

    static func sign(_ request: [String: Any]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("telegram_sign.py").path,
        ]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: request))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "python3 with the cryptography package signs the test data")
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    let now = Date()
    var authDate: String { String(Int(now.timeIntervalSince1970) - 30) }

    @Test func aWidgetLoginSignedPerTelegramsAlgorithmIsAccepted() throws {
        let signed = try Self.sign([
            "kind": "widget", "botToken": Self.botToken,
            "fields": [
                "id": "424242", "first_name": "Анна", "username": "anna_k", "photo_url": "https://t.me/i/userpic/1.jpg",
                "auth_date": authDate,
            ],
        ])
        let fields = try #require(signed["fields"] as? [String: String])
        let verifier = TelegramVerifier(botToken: Self.botToken, maxAge: .seconds(600))
        let (user, hash) = try verifier.verifyWidget(fields, now: now)
        #expect(hash == fields["hash"])
        #expect(
            try verifier.verifyWidget(fields.merging(["hash": hash.uppercased()]) { $1 }, now: now).hash == hash,
            "one spelling per signed data")
        #expect(user.id == 424242)
        #expect(user.firstName == "Анна")
        #expect(user.username == "anna_k")

        var changed = fields
        changed["username"] = "someone_else"
        #expect(throws: TelegramAuthError.badHash) { try verifier.verifyWidget(changed, now: now) }
        #expect(throws: TelegramAuthError.badHash) {
            try TelegramVerifier(botToken: "7000001:another-token", maxAge: .seconds(600)).verifyWidget(fields, now: now)
        }
        #expect(throws: TelegramAuthError.stale) { try verifier.verifyWidget(fields, now: now.addingTimeInterval(3600)) }
        var unsigned = fields
        unsigned.removeValue(forKey: "hash")
        #expect(throws: TelegramAuthError.missingField("hash")) { try verifier.verifyWidget(unsigned, now: now) }
    }

    @Test func miniAppInitDataIsCheckedByHMACAndEd25519() throws {
        let user = #"{"id":777000,"first_name":"Ivan","last_name":"P","username":"ivan_p","language_code":"ru"}"#
        let signed = try Self.sign([
            "kind": "initData", "botToken": Self.botToken,
            "fields": ["query_id": "AAH7", "user": user, "auth_date": authDate],
        ])
        let initData = try #require(signed["initData"] as? String)
        let publicKey = try #require(signed["publicKey"] as? String)
        let verifier = TelegramVerifier(botToken: Self.botToken, maxAge: .seconds(600), publicKeyHex: publicKey)
        let verified = try verifier.verifyInitData(initData, now: now)
        #expect(verified.user.id == 777000)
        #expect(verified.user.username == "ivan_p")

        let wrongSigner = try #require(signed["initDataWrongSigner"] as? String)
        #expect(throws: TelegramAuthError.badSignature) { try verifier.verifyInitData(wrongSigner, now: now) }
        let tampered = initData.replacingOccurrences(of: "ivan_p", with: "ivan_q")
        #expect(throws: TelegramAuthError.badHash) { try verifier.verifyInitData(tampered, now: now) }
        #expect(throws: TelegramAuthError.stale) { try verifier.verifyInitData(initData, now: now.addingTimeInterval(7200)) }
        #expect(throws: TelegramAuthError.badSignature, "Telegram's production key did not sign test data") {
            try TelegramVerifier(botToken: Self.botToken, maxAge: .seconds(600)).verifyInitData(initData, now: now)
        }
        #expect(throws: TelegramAuthError.self) { try verifier.verifyInitData("hash=00&&&", now: now) }
    }

    @Test func noBotMeansNoTelegramSignIn() {
        #expect(throws: TelegramAuthError.notConfigured) {
            try TelegramVerifier(botToken: "", maxAge: .seconds(600)).verifyWidget(["hash": "00"], now: Date())
        }
    }
}
