import Core
import Foundation
import Ledger

/// One ledger event as live balances read it (`<stream prefix>.ledger.<kind>`, docs/events.md,
/// version 1): whose balances, in which currency, and what they are after which transaction.
/// Within one player and currency, transaction ids grow in commit order (`ledger_apply` takes the
/// id after locking the player's accounts), so a larger id is a newer balance.
struct BalanceUpdate: Sendable, Equatable {
    let player: PlayerID
    let currency: String
    let transaction: Int64
    let balances: Balances

    init(player: PlayerID, currency: String, transaction: Int64, balances: Balances) {
        self.player = player
        self.currency = currency
        self.transaction = transaction
        self.balances = balances
    }

    /// Nil for a payload that does not read as a ledger event.
    init?(payload: [UInt8]) {
        guard let event = try? JSONDecoder().decode(Event.self, from: Data(payload)) else { return nil }
        self.init(
            player: PlayerID(event.playerId), currency: event.currency, transaction: event.transactionId,
            balances: Balances(real: event.balance.real, bonus: event.balance.bonus, locked: event.balance.locked))
    }

    /// The payload's fields this reads; `balance.debt` is not money the player has, so not shown.
    private struct Event: Decodable {
        struct After: Decodable {
            let real: Int64
            let bonus: Int64
            let locked: Int64
        }

        let transactionId: Int64
        let playerId: Int64
        let currency: String
        let balance: After
    }
}
