import Core
import PostgresNIO
import TestSupport
import Testing

@testable import Ledger

/// A payout keeps its fee for the house: `locked → payments:<g>` for the hold less the fee,
/// `locked → fees` for the fee; a fee that is negative or above the hold writes nothing.
@Suite struct PayoutFeeTests {
    let sandbox = HouseAccount.payments("sandbox")

    @Test func aPayoutSplitsTheHoldBetweenTheGatewayAndTheFees() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 10_000, gateway: sandbox))
            let hold = h.nextKey()
            try await h.apply(.withdrawalHold(units: 4_000), key: hold)
            let postKey = h.nextKey()
            let post = try await h.apply(.withdrawalPost(hold: hold, gateway: sandbox, fee: 150), key: postKey)
            #expect(post.code == .ok)
            #expect(post.balances == Balances(real: 6_000, bonus: 0, locked: 0))
            #expect(try await h.houseBalance("payments:sandbox") == -10_000 + 3_850)
            #expect(try await h.houseBalance("fees") == 150)
            let transfers = try await h.scalar(
                "SELECT count(*)::bigint FROM ledger_transfers WHERE transaction_id = \(post.transactionID ?? 0)")
            #expect(transfers == 2)

            let before = try await h.rowCounts()
            let replay = try await h.apply(.withdrawalPost(hold: hold, gateway: sandbox, fee: 150), key: postKey)
            #expect(replay.replayed && replay.sameResult(as: post))
            #expect(try await h.apply(.withdrawalPost(hold: hold, gateway: sandbox), key: postKey).code == .duplicateMismatch)
            #expect(try await h.apply(.withdrawalPost(hold: hold, gateway: sandbox, fee: 151), key: postKey).code == .duplicateMismatch)
            #expect(try await h.rowCounts() == before)
        }
    }

    @Test func aFeeOfTheWholeHoldPaysTheGatewayNothing() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 1_000, gateway: sandbox))
            let hold = h.nextKey()
            try await h.apply(.withdrawalHold(units: 300), key: hold)
            let post = try await h.apply(.withdrawalPost(hold: hold, gateway: sandbox, fee: 300))
            #expect(post.balances == Balances(real: 700, bonus: 0, locked: 0))
            #expect(try await h.houseBalance("payments:sandbox") == -1_000)
            #expect(try await h.houseBalance("fees") == 300)
        }
    }

    @Test func aFeeAboveTheHoldOrBelowZeroIsRefusedAndWritesNothing() async throws {
        try await LedgerHarness.with { h in
            try await h.apply(.deposit(units: 5_000, gateway: sandbox))
            let hold = h.nextKey()
            try await h.apply(.withdrawalHold(units: 1_000), key: hold)
            let before = try await h.rowCounts()
            let houses = try await h.accountCount(kind: "house")
            let above = try await h.apply(.withdrawalPost(hold: hold, gateway: sandbox, fee: 1_001))
            #expect(above.code == .invalidAmount)
            #expect(above.balances == Balances(real: 4_000, bonus: 0, locked: 1_000))
            #expect(try await h.apply(.withdrawalPost(hold: hold, gateway: sandbox, fee: -1)).code == .invalidAmount)
            #expect(try await h.apply(.withdrawalPost(hold: hold, gateway: sandbox, fee: .min)).code == .invalidAmount)
            #expect(try await h.rowCounts() == before)
            #expect(try await h.accountCount(kind: "house") == houses, "no fees account was opened")

            // The database refuses a negative fee as well, for a caller that is not this API.
            let direct = try await h.database.withConnection { connection in
                let rows = try await connection.query(
                    """
                    SELECT code FROM ledger_apply('test', 'direct', '\\x00', 'withdrawal_post', 1, 'EUR', -1, 'payments:sandbox',
                                                  \(hold.scope), \(hold.key), '{}')
                    """, logger: TestServices.logger)
                for try await code in rows.decode(String.self) { return code }
                return ""
            }
            #expect(direct == "invalidAmount")
            #expect(try await h.rowCounts() == before)

            #expect(try await h.apply(.withdrawalPost(hold: hold, gateway: sandbox, fee: 0)).code == .ok)
            #expect(try await h.houseBalance("payments:sandbox") == -4_000)
            #expect(try await h.houseBalance("fees") == 0)
        }
    }
}
