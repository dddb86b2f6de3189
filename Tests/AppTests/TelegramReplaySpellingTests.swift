import Foundation
import HTTPTypes
import HummingbirdTesting
import TestSupport
import Testing

@testable import App

/// The replay guard keys on the hash Telegram signed, not on how the client spelled it: hex in
/// upper case verifies too, so it must count as the same signed data.
@Suite struct TelegramReplaySpellingTests {
    static func errorCode(_ response: TestResponse) throws -> String? {
        (try response.json()["error"] as? [String: Any])?["code"] as? String
    }

    @Test func aWidgetHashInUpperCaseIsAReplay() async throws {
        try await PlayerSignInTests().withApp { client, _ in
            var widget = try PlayerSignInTests.signWidget(id: 5_550_030, username: "spelling")
            #expect(try await PlayerSignInTests.post(client, "/api/v1/auth/telegram", ["widget": widget]).status == .ok)
            widget["hash"] = widget["hash"]?.uppercased()
            let replay = try await PlayerSignInTests.post(client, "/api/v1/auth/telegram", ["widget": widget])
            #expect(replay.status == .unauthorized)
            #expect(try Self.errorCode(replay) == "telegramReplayed")
        }
    }

    @Test func anInitDataHashInUpperCaseIsAReplay() async throws {
        let (initData, publicKey) = try PlayerSignInTests.signInitData(id: 5_550_031)
        let shouted = initData.replacing(/hash=([0-9a-f]{64})/) { "hash=" + $0.output.1.uppercased() }
        #expect(shouted != initData)
        try await TestDatabase.with { database in
            var configuration = try testConfiguration(database: database)
            configuration.telegram.publicKey = publicKey
            let dependencies = try AppDependencies(configuration: configuration, logger: TestServices.logger)
            let app = try await buildApplication(dependencies: dependencies, logger: TestServices.logger)
            try await app.test(.live) { client in
                let accepted = try await client.execute(
                    uri: "/api/v1/auth/telegram", method: .post, headers: [.authorization: "tma \(initData)"])
                #expect(accepted.status == .ok)
                let replayed = try await client.execute(
                    uri: "/api/v1/auth/telegram", method: .post, headers: [.authorization: "tma \(shouted)"])
                #expect(try Self.errorCode(replayed) == "telegramReplayed")
            }
        }
    }
}
