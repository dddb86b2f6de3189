import Core
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ledger
import TestSupport
import Testing

@testable import App

@Suite struct WalletAPITests {
    func fund(_ ledger: Ledger, player: Int64, _ movements: [(String, Movement)]) async throws {
        for (index, (currency, movement)) in movements.enumerated() {
            let outcome = try await ledger.apply(
                LedgerOperation(
                    key: .init(scope: "test", key: "fund-\(player)-\(index)"), player: PlayerID(player), currency: currency,
                    movement: movement))
            #expect(outcome.code == .ok)
        }
    }

    @Test func withoutAPlayerTheWalletIs401() async throws {
        try await withLiveApp { client in
            let response = try await client.execute(uri: "/api/v1/wallet", method: .get)
            #expect(response.status == .unauthorized)
            #expect((try response.json()["error"] as? [String: Any])?["code"] as? String == "notSignedIn")
        }
    }

    /// The server once took the player from this header in test mode; only a session names one now.
    @Test func aPlayerHeaderWithoutASessionNamesNobody() async throws {
        try await withLiveApp { client, _ in
            let response = try await client.execute(
                uri: "/api/v1/wallet", method: .get, headers: [HTTPField.Name("X-Croupier-Test-Player")!: "7"])
            #expect(response.status == .unauthorized)
        }
    }

    @Test func balancesAreExactDecimalStringsPerCurrency() async throws {
        try await withLiveApp { client, ledger in
            try await fund(
                ledger, player: 7,
                [
                    ("EUR", .adjustment(units: 12_550_000)), ("EUR", .bonusGrant(units: 1)), ("EUR", .withdrawalHold(units: 50_000)),
                    ("BTC", .deposit(units: 123, gateway: .payments("sandbox"))),
                ])
            let response = try await client.execute(
                uri: "/api/v1/wallet", method: .get, headers: try await playerSession(7, ledger.database))
            #expect(response.status == .ok)
            #expect(
                response.text
                    == #"{"balances":[{"bonus":"0.00000000","currency":"BTC","locked":"0.00000000","real":"0.00000123","withdrawable":"0.00000123"},{"bonus":"0.00001","currency":"EUR","locked":"0.50000","real":"125.00000","withdrawable":"125.00000"}]}"#
            )
        }
    }

    @Test func historyPagesNewestFirstWithoutGapsOrRepeats() async throws {
        try await withLiveApp { client, ledger in
            try await fund(ledger, player: 8, (1...5).map { ("EUR", .adjustment(units: Int64($0) * 100_000)) })
            var seen: [String] = []
            var cursor: String?
            repeat {
                let uri = "/api/v1/wallet/transactions?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let json = try await client.execute(uri: uri, method: .get, headers: try await playerSession(8, ledger.database)).json()
                let page = try #require(json["transactions"] as? [[String: Any]])
                seen += page.compactMap { ($0["amounts"] as? [String: String])?["real"] }
                cursor = json["nextCursor"] as? String
            } while cursor != nil
            #expect(seen == ["5.00000", "4.00000", "3.00000", "2.00000", "1.00000"])
        }
    }

    @Test func historyFiltersByCurrencyKindAndDate() async throws {
        try await withLiveApp { client, ledger in
            try await fund(
                ledger, player: 9,
                [
                    ("EUR", .adjustment(units: 100_000)), ("USD", .deposit(units: 200_000, gateway: .payments("sandbox"))),
                    ("USD", .adjustment(units: 300_000)),
                ])
            func kinds(_ query: String) async throws -> [String] {
                let json = try await client.execute(
                    uri: "/api/v1/wallet/transactions?\(query)", method: .get, headers: try await playerSession(9, ledger.database)
                ).json()
                return (json["transactions"] as? [[String: Any]] ?? []).map { "\($0["currency"]!):\($0["kind"]!)" }
            }
            #expect(try await kinds("currency=USD") == ["USD:adjustment", "USD:deposit"])
            #expect(try await kinds("kind=deposit") == ["USD:deposit"])
            #expect(try await kinds("kind=deposit,adjustment&currency=EUR") == ["EUR:adjustment"])
            #expect(try await kinds("from=2000-01-01&until=2000-01-02").isEmpty)
            let today = Date().formatted(.iso8601).prefix(10)
            #expect(try await kinds("from=\(today)&until=\(today)").count == 3)
            let entry = try #require(
                (try await client.execute(
                    uri: "/api/v1/wallet/transactions?kind=deposit", method: .get, headers: try await playerSession(9, ledger.database)
                )
                .json()["transactions"] as? [[String: Any]])?.first)
            #expect(entry["balanceAfter"] as? [String: String] == ["real": "2.00000", "bonus": "0.00000", "locked": "0.00000"])
            #expect((entry["references"] as? [String: Any])?["idempotencyKey"] as? String == "test:fund-9-1")
        }
    }

    @Test(arguments: [
        ("currency=XYZ", "unknownCurrency"), ("kind=jackpot", "unknownKind"), ("from=yesterday", "invalidDate"),
        ("cursor=-3", "invalidCursor"), ("limit=1000", "invalidLimit"), ("limit=abc", "invalidLimit"),
    ])
    func badFiltersAreRefusedByName(query: String, code: String) async throws {
        try await withLiveApp { client, ledger in
            let response = try await client.execute(
                uri: "/api/v1/wallet/transactions?\(query)", method: .get, headers: try await playerSession(9, ledger.database))
            #expect(response.status == .badRequest)
            #expect((try response.json()["error"] as? [String: Any])?["code"] as? String == code)
        }
    }

    @Test func theContractIsServed() async throws {
        try await withLiveApp { client in
            let response = try await client.execute(uri: "/api/v1/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.text.contains("/api/v1/wallet/transactions:"))
        }
    }
}

@Suite struct MoneyFormatterTests {
    let euro = Currency(code: "EUR", scale: 5, kind: .fiat)
    let bitcoin = Currency(code: "BTC", scale: 8, kind: .crypto)

    @Test func formatsPerLanguageWithoutRoundingAway() {
        let ru = MoneyFormatter(language: "ru")
        let en = MoneyFormatter(language: "en")
        #expect(ru.format(units: 123_450_000, currency: euro) == "1\u{202F}234,50\u{00A0}€")
        #expect(en.format(units: 123_450_000, currency: euro) == "€1,234.50")
        #expect(en.format(units: 123_456_789, currency: euro) == "€1,234.56789")
        #expect(en.format(units: -350_000, currency: euro, signed: true) == "−€3.50")
        #expect(en.format(units: 350_000, currency: euro, signed: true) == "+€3.50")
        #expect(en.format(units: 0, currency: euro) == "€0.00")
        #expect(ru.format(units: 120_000, currency: bitcoin) == "0,0012\u{00A0}BTC")
        #expect(en.format(units: Int64.min + 1, currency: euro).hasPrefix("−€92,233,720,368,547.75807"))
    }
}
