import Core
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// A ledger event names the house account its money went to or came from (docs/events.md): the
/// caller's, or for a rollback the reversed transaction's; none for a movement between the
/// player's own balances.
@Suite struct LedgerEventHouseTests {
    @Test func eachEventNamesItsHouseAccount() async throws {
        try await LedgerHarness.with { h in
            let sandbox = HouseAccount.payments("sandbox")
            let games = HouseAccount.games("acme")
            try await h.apply(.deposit(units: 5_000, gateway: sandbox))
            let bet = h.nextKey()
            try await h.apply(.bet(units: 1_000, house: games), key: bet)
            try await h.apply(.rollback(of: bet))
            let hold = h.nextKey()
            try await h.apply(.withdrawalHold(units: 2_000), key: hold)
            try await h.apply(.withdrawalPost(hold: hold, gateway: sandbox, fee: 100))
            try await h.apply(.bonusGrant(units: 300))
            try await h.apply(.bonusConvert(units: 300))
            let events = try await h.database.withConnection { connection in
                try await connection.query(
                    "SELECT payload->>'kind', payload->>'house' FROM outbox WHERE subject LIKE 'croupier.ledger.%' ORDER BY id",
                    logger: TestServices.logger
                ).collect().map { try $0.decode((String, String?).self) }
            }
            #expect(
                events.map { "\($0.0) \($0.1 ?? "-")" } == [
                    "deposit payments:sandbox", "bet games:acme", "rollback games:acme", "withdrawal_hold -",
                    "withdrawal_post payments:sandbox", "bonus_grant bonus", "bonus_convert -",
                ])
        }
    }
}
