import Core
import Foundation
import TestSupport
import Testing

@testable import Games

/// Every refusal status: what it answers, that it writes nothing, and that a provider is shown
/// a balance only of a player who played with it.
@Suite struct Hub88RefusalTests {
    struct Refusal {
        let name: String
        let provider: String
        let endpoint: Hub88Endpoint
        let fields: [String: Any]
        let status: Hub88Status
        /// Whether the answer may carry the player's balance (never for a provider they did not play with).
        let showsBalance: Bool
        var tombstones = 0
    }

    @Test func refusalsWriteNothingAndShowBalancesOnlyToTheProvidersOwnPlayers() async throws {
        try await Hub88Harness.with { harness in
            // `player` played with acme only; `stranger` with rival only, so rival has rows of its own.
            let player = try await harness.player()
            let token = try await harness.launch(player, with: "acme")
            let disabled = try await harness.player()
            let disabledToken = try await harness.launch(disabled, with: "acme")
            try await harness.database.withConnection { connection in
                _ = try await connection.query(
                    "UPDATE identity_players SET disabled_at = now() WHERE id = \(disabled.rawValue)", logger: TestServices.logger
                ).collect()
            }
            let expired = try await harness.launch(player, with: "acme", now: Date().addingTimeInterval(-13 * 3600))
            let stranger = try await harness.player()
            // Players without a ledger account yet: one launched acme's game, the others nothing (one
            // each, as a refusal that opened accounts would hide the next one's).
            let newcomer = try await harness.player(funds: 0)
            let newcomerToken = try await harness.launch(newcomer, with: "acme")
            var nobodies: [PlayerID] = []
            for _ in 0..<4 { nobodies.append(try await harness.player(funds: 0)) }
            let strangerToken = try await harness.launch(stranger, with: "rival")

            let bet = harness.bet(player, token: token, amount: 100_000)
            #expect(try await harness.call(.bet, "acme", bet).status == .ok)
            let undone = harness.bet(player, token: token, amount: 100_000)
            #expect(try await harness.call(.bet, "acme", undone).status == .ok)
            let rollback = harness.rollback(of: undone)
            #expect(try await harness.call(.rollback, "acme", rollback).status == .ok)
            let rivalBet = harness.bet(stranger, token: strangerToken, amount: 100_000)
            #expect(try await harness.call(.bet, "rival", rivalBet).status == .ok)

            let user = String(player.rawValue)
            var foreignBet = rivalBet
            foreignBet["user"] = user
            var foreignWin = harness.win(of: rivalBet, amount: 100_000)
            foreignWin["user"] = user
            var foreignRollback = harness.rollback(of: rivalBet)
            foreignRollback["user"] = user
            let unknownWin = harness.win(of: harness.bet(player, token: token, amount: 1), amount: 100_000)
            var noReference = harness.win(of: bet, amount: 100_000)
            noReference["reference_transaction_uuid"] = nil
            var changedBet = bet
            changedBet["amount"] = 200_000
            var wrongCurrency = harness.bet(player, token: token, amount: 100_000)
            wrongCurrency["currency"] = "USD"
            var unknownCurrency = harness.bet(player, token: token, amount: 100_000)
            unknownCurrency["currency"] = "XYZ"
            var nulCurrency = harness.bet(player, token: token, amount: 100_000)
            nulCurrency["currency"] = "EU\u{0}R"
            var unknownGame = harness.bet(player, token: token, amount: 100_000)
            unknownGame["game_code"] = "roulette"
            let ghost = harness.bet(player, token: token, amount: 1)
            // Refused before any check runs: it proves nothing of who the player is.
            var malformed = harness.bet(player, token: "anything", amount: 100_000)
            malformed["transaction_uuid"] = "a b"
            func inTheNameOf(_ someone: PlayerID, _ fields: [String: Any]) -> [String: Any] {
                fields.merging(["user": String(someone.rawValue)]) { $1 }
            }

            let refusals: [Refusal] = [
                .init(
                    name: "more than the balance", provider: "acme", endpoint: .bet,
                    fields: harness.bet(player, token: token, amount: Hub88Harness.funds * 2), status: .notEnoughMoney, showsBalance: true),
                .init(
                    name: "an expired token", provider: "acme", endpoint: .bet,
                    fields: harness.bet(player, token: expired, amount: 100_000), status: .tokenExpired, showsBalance: true),
                .init(
                    name: "a disabled player", provider: "acme", endpoint: .bet,
                    fields: harness.bet(disabled, token: disabledToken, amount: 100_000), status: .userDisabled, showsBalance: true),
                .init(
                    name: "a game not in the catalogue", provider: "acme", endpoint: .bet, fields: unknownGame,
                    status: .invalidGame, showsBalance: true),
                .init(
                    name: "a currency nobody knows", provider: "acme", endpoint: .bet, fields: unknownCurrency, status: .wrongCurrency,
                    showsBalance: true),
                .init(
                    name: "a currency nobody knows, sent by a provider the player never played with", provider: "rival", endpoint: .bet,
                    fields: unknownCurrency, status: .wrongCurrency, showsBalance: false),
                .init(
                    name: "a currency with a NUL", provider: "acme", endpoint: .win, fields: harness.win(of: nulCurrency, amount: 1),
                    status: .wrongCurrency, showsBalance: true),
                .init(
                    name: "another currency than the token's", provider: "acme", endpoint: .bet, fields: wrongCurrency,
                    status: .wrongCurrency, showsBalance: true),
                .init(
                    name: "an unknown token", provider: "acme", endpoint: .bet,
                    fields: harness.bet(player, token: "not-a-token", amount: 100_000), status: .invalidToken, showsBalance: true),
                .init(
                    name: "a negative amount", provider: "acme", endpoint: .bet,
                    fields: harness.bet(player, token: token, amount: -1), status: .wrongTypes, showsBalance: false),
                .init(
                    name: "a win without its reference", provider: "acme", endpoint: .win, fields: noReference,
                    status: .wrongSyntax, showsBalance: false),
                .init(
                    name: "a bet's uuid with another amount", provider: "acme", endpoint: .bet, fields: changedBet,
                    status: .duplicateTransaction, showsBalance: true),
                .init(
                    name: "a win for a bet never seen", provider: "acme", endpoint: .win, fields: unknownWin,
                    status: .transactionDoesNotExist, showsBalance: true),
                .init(
                    name: "a win for a rolled-back bet", provider: "acme", endpoint: .win,
                    fields: harness.win(of: undone, amount: 100_000), status: .transactionRolledBack, showsBalance: true),
                .init(
                    name: "a rollback of a rollback", provider: "acme", endpoint: .rollback,
                    fields: harness.rollback(of: rollback), status: .unknown, showsBalance: true),
                .init(
                    name: "a rollback of a bet never seen (its tombstone)", provider: "acme", endpoint: .rollback,
                    fields: harness.rollback(of: ghost), status: .transactionDoesNotExist, showsBalance: true, tombstones: 1),
                .init(
                    name: "user/info of another provider's player", provider: "rival", endpoint: .userInfo,
                    fields: ["user": user, "request_uuid": "r"], status: .invalidToken, showsBalance: false),
                .init(
                    name: "user/balance with another provider's token", provider: "rival", endpoint: .userBalance,
                    fields: ["user": user, "token": token, "request_uuid": "r"], status: .invalidToken, showsBalance: false),
                .init(
                    name: "a bet with another provider's token", provider: "rival", endpoint: .bet,
                    fields: harness.bet(player, token: token, amount: 100_000), status: .invalidToken, showsBalance: false),
                .init(
                    name: "a bet reusing its own bet's uuid for another player", provider: "rival", endpoint: .bet,
                    fields: foreignBet, status: .duplicateTransaction, showsBalance: false),
                .init(
                    name: "a win for its own bet, in another player's name", provider: "rival", endpoint: .win,
                    fields: foreignWin, status: .transactionDoesNotExist, showsBalance: false),
                .init(
                    name: "a rollback of its own bet, in another player's name", provider: "rival", endpoint: .rollback,
                    fields: foreignRollback, status: .transactionDoesNotExist, showsBalance: false),
                .init(
                    name: "a win for a bet never seen, for another provider's player", provider: "rival", endpoint: .win,
                    fields: unknownWin, status: .transactionDoesNotExist, showsBalance: false),
                .init(
                    name: "a rollback of a bet never seen, for another provider's player (its tombstone)", provider: "rival",
                    endpoint: .rollback, fields: harness.rollback(of: harness.bet(player, token: token, amount: 1)),
                    status: .transactionDoesNotExist, showsBalance: false, tombstones: 1),
                .init(
                    name: "a malformed bet in the name of another provider's player", provider: "rival", endpoint: .bet,
                    fields: malformed, status: .wrongSyntax, showsBalance: false),
                .init(
                    name: "a bet by a player holding nothing yet", provider: "acme", endpoint: .bet,
                    fields: harness.bet(newcomer, token: newcomerToken, amount: 100_000), status: .notEnoughMoney, showsBalance: true),
                .init(
                    name: "a win for a bet never seen, for a player holding nothing", provider: "rival", endpoint: .win,
                    fields: inTheNameOf(nobodies[0], unknownWin), status: .transactionDoesNotExist, showsBalance: false),
                .init(
                    name: "a win for its own bet, for a player holding nothing", provider: "rival", endpoint: .win,
                    fields: inTheNameOf(nobodies[1], foreignWin), status: .transactionDoesNotExist, showsBalance: false),
                .init(
                    name: "a rollback of its own bet, for a player holding nothing", provider: "rival", endpoint: .rollback,
                    fields: inTheNameOf(nobodies[2], foreignRollback), status: .transactionDoesNotExist, showsBalance: false),
                .init(
                    name: "a bet reusing its own bet's uuid, for a player holding nothing", provider: "rival", endpoint: .bet,
                    fields: inTheNameOf(nobodies[3], foreignBet), status: .duplicateTransaction, showsBalance: false),
            ]
            for refusal in refusals {
                let before = try await harness.rowCounts()
                let answer = try await harness.call(refusal.endpoint, refusal.provider, refusal.fields)
                #expect(answer.status == refusal.status, "\(refusal.name)")
                #expect((answer.balance != nil) == refusal.showsBalance, "\(refusal.name): balance \(String(describing: answer.balance))")
                var after = try await harness.rowCounts()
                after["ledger_tombstones", default: 0] -= refusal.tombstones
                #expect(after == before, "\(refusal.name) wrote rows")
            }
            #expect(try await harness.balance(player) == Hub88Harness.funds - 100_000)
        }
    }

    /// A rollback of a bet never seen leaves its tombstone in the currency of the token's session,
    /// else of the player's latest session with this provider (one lookup), and answers with the
    /// balance in it.
    @Test func aRollbackOfABetNeverSeenTakesItsTokensCurrencyElseThePlayersLatest() async throws {
        try await Hub88Harness.with { harness in
            let player = try await harness.player()
            let euros = try await harness.launch(player, with: "acme")
            _ = try await harness.sessions.start(player: player, provider: "acme", gameCode: "slot", currency: "USD")
            // Newer, but another provider's: it says nothing to acme.
            _ = try await harness.sessions.start(player: player, provider: "rival", gameCode: "slot", currency: "RUB")
            func rollback(token: String?) async throws -> (answer: Hub88Answer, currency: String?) {
                var fields = harness.rollback(of: harness.bet(player, token: euros, amount: 1))
                fields["token"] = token
                let answer = try await harness.call(.rollback, "acme", fields)
                let key = "acme:\(try #require(fields["transaction_uuid"] as? String))"
                let currency = try await harness.database.withConnection { connection in
                    try await connection.query(
                        "SELECT currency FROM ledger_tombstones WHERE rollback_key = \(key)", logger: TestServices.logger
                    )
                    .collect().first?.decode(String.self)
                }
                return (answer, currency)
            }
            let byToken = try await rollback(token: euros)
            #expect(byToken.currency == "EUR" && byToken.answer.currency == "EUR")
            #expect(byToken.answer.status == .transactionDoesNotExist && byToken.answer.balance == Hub88Harness.funds)
            let latest = try await rollback(token: nil)
            #expect(latest.currency == "USD" && latest.answer.balance == 0)
            #expect(try await rollback(token: "no such token").currency == "USD")
            let rubles = try await harness.sessions.start(player: player, provider: "rival", gameCode: "slot", currency: "RUB")
            #expect(try await rollback(token: rubles).currency == "USD", "another provider's token names no session of acme's")
            // Whoever's session the token names, as the token names it (a provider sends its own).
            let other = try await harness.player()
            let othersToken = try await harness.sessions.start(player: other, provider: "acme", gameCode: "slot", currency: "RUB")
            #expect(try await rollback(token: othersToken).currency == "RUB")
        }
    }

    @Test func aRollbackOfABetNeverSeenForAPlayerWithNoSessionIsInEuros() async throws {
        try await Hub88Harness.with { harness in
            let player = try await harness.player()
            var fields = harness.rollback(of: harness.bet(player, token: "none", amount: 1))
            fields["token"] = nil
            let answer = try await harness.call(.rollback, "acme", fields)
            #expect(answer.status == .transactionDoesNotExist && answer.currency == "EUR")
            #expect(answer.balance == nil, "a provider the player never played with is shown no balance")
        }
    }
}
