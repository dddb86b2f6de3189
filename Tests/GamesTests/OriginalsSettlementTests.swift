import Core
import Foundation
import Persistence
import Synchronization
import TestSupport
import Testing

@testable import Games

/// The wallet as Originals sees it, scripted: bets accepted, wins unanswered until told otherwise.
final class ScriptedWallet: Sendable {
    struct Call: Sendable {
        let endpoint: String
        let transactionUUID: String
    }

    let calls = Mutex<[Call]>([])
    let winAnswer = Mutex<String?>(nil)

    var transport: WalletTransport {
        WalletTransport { endpoint, body, _ in
            let payload = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
            self.calls.withLock { $0.append(Call(endpoint: endpoint, transactionUUID: payload["transaction_uuid"] as? String ?? "")) }
            if endpoint == "transaction/win" {
                guard let status = self.winAnswer.withLock({ $0 }) else { throw OriginalsError.storage("no answer") }
                return .init(status: status, balance: 100_000_000)
            }
            return .init(status: "RS_OK", balance: 99_900_000)
        }
    }

    func wins() -> [String] { calls.withLock { $0.filter { $0.endpoint == "transaction/win" }.map(\.transactionUUID) } }
}

@Suite struct OriginalsSettlementTests {
    func launch(_ originals: OriginalsProvider, _ providers: ProviderDirectory) async throws -> String {
        let keys = try await providers.keys(of: OriginalsProvider.code)
        let body = Array(#"{"user":"100001","token":"operator-token-0123456789","currency":"EUR","game_code":"dice","lang":"en"}"#.utf8)
        let answer = try await originals.gameURL(body: body, signature: try Hub88Signature.sign(body, with: keys.operatorKey))
        #expect(answer.status == 200)
        let url = try #require((try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: String])?["url"])
        return try #require(URLComponents(string: url)?.queryItems?.first { $0.name == "session" }?.value)
    }

    @Test func aWinTheWalletDidNotAnswerIsSentAgainUntilItIs() async throws {
        try await TestDatabase.with { database in
            let providers = ProviderDirectory(database: database, secret: .random(), logger: TestServices.logger)
            let wallet = ScriptedWallet()
            let originals = try await OriginalsProvider.setUp(
                providers: providers, database: database, secret: .random(), publicURL: "http://casino.test",
                walletURL: "http://unused.test",
                logger: TestServices.logger, transport: wallet.transport)
            let session = try await launch(originals, providers)

            let answer = try await originals.play(session: session, bet: "1.00", choice: .dice(target: 5000, direction: .under))
            #expect(answer.status == "walletUnavailable")
            #expect(wallet.wins().count == 3, "three tries while the player waits")
            #expect(try await originals.settlePending(olderThan: 0) == 0, "still unanswered: still pending")

            wallet.winAnswer.withLock { $0 = "RS_OK" }
            #expect(try await originals.settlePending(olderThan: 3600) == 0, "a round this young is left to its own request")
            #expect(try await originals.settlePending(olderThan: 0) == 1)
            #expect(try await originals.settlePending(olderThan: 0) == 0, "settled once")
            let wins = wallet.wins()
            #expect(wins.count == 5)
            #expect(Set(wins).count == 1, "every attempt carries the same transaction_uuid, so the wallet pays once")
        }
    }

    @Test func aWinForARolledBackBetIsOwedNothing() async throws {
        try await TestDatabase.with { database in
            let providers = ProviderDirectory(database: database, secret: .random(), logger: TestServices.logger)
            let wallet = ScriptedWallet()
            let originals = try await OriginalsProvider.setUp(
                providers: providers, database: database, secret: .random(), publicURL: "http://casino.test",
                walletURL: "http://unused.test",
                logger: TestServices.logger, transport: wallet.transport)
            let session = try await launch(originals, providers)
            _ = try await originals.play(session: session, bet: "1.00", choice: .dice(target: 5000, direction: .under))
            wallet.winAnswer.withLock { $0 = "RS_ERROR_TRANSACTION_ROLLED_BACK" }
            #expect(try await originals.settlePending(olderThan: 0) == 1)
            #expect(try await originals.settlePending(olderThan: 0) == 0)
        }
    }
}
