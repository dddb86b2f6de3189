import Foundation

/// The rows of ClickHouse's tables (migrations 0001 to 0005), as JSONEachRow objects.
extension EventRows {
    /// `events`: every event as it came.
    public struct Raw: Encodable, Sendable, Equatable {
        let eventID: String
        let subject: String
        let occurredAt: String
        let payload: String

        enum CodingKeys: String, CodingKey {
            case eventID = "event_id"
            case subject
            case occurredAt = "occurred_at"
            case payload
        }
    }

    /// `money_movements`: a ledger event's amounts and what it names.
    public struct Money: Encodable, Sendable, Equatable {
        let eventID: String
        let occurredAt: String
        let transactionID: Int64
        let kind: String
        let playerID: Int64
        let currency: String
        let realUnits: Int64
        let bonusUnits: Int64
        let lockedUnits: Int64
        let debtUnits: Int64
        let referenceID: Int64
        let house: String
        let provider: String
        let game: String
        let round: String
        let gateway: String
        /// The business time, for the valuation in the pivot (`occurredAt` is its text).
        let moment: Date
        /// The amounts in ledger units of the pivot; "" until valued.
        var pivotCurrency = ""
        var pivotRealUnits: Int64 = 0
        var pivotBonusUnits: Int64 = 0
        var pivotLockedUnits: Int64 = 0
        var pivotDebtUnits: Int64 = 0

        enum CodingKeys: String, CodingKey {
            case eventID = "event_id"
            case occurredAt = "occurred_at"
            case transactionID = "transaction_id"
            case kind
            case playerID = "player_id"
            case currency
            case realUnits = "real_units"
            case bonusUnits = "bonus_units"
            case lockedUnits = "locked_units"
            case debtUnits = "debt_units"
            case referenceID = "reference_id"
            case house, provider, game, round, gateway
            case pivotCurrency = "pivot_currency"
            case pivotRealUnits = "pivot_real_units"
            case pivotBonusUnits = "pivot_bonus_units"
            case pivotLockedUnits = "pivot_locked_units"
            case pivotDebtUnits = "pivot_debt_units"
        }
    }

    /// `player_facts`: one attribute of a player as an event set it.
    public struct PlayerFact: Encodable, Sendable, Equatable {
        let eventID: String
        let occurredAt: String
        let sequence: UInt64
        let playerID: Int64
        let attribute: String
        let value: String

        enum CodingKeys: String, CodingKey {
            case eventID = "event_id"
            case occurredAt = "occurred_at"
            case sequence
            case playerID = "player_id"
            case attribute, value
        }
    }

    /// `payment_facts`: a deposit's, a chargeback's or a withdrawal's event.
    public struct PaymentFact: Encodable, Sendable, Equatable {
        let eventID: String
        let occurredAt: String
        let sequence: UInt64
        let event: String
        let paymentID: String
        let playerID: Int64
        let gateway: String
        let currency: String
        let units: Int64
        let feeUnits: Int64
        let firstDeposit: UInt8
        /// The business time, for the valuation in the pivot (`occurredAt` is its text).
        let moment: Date
        /// "" until valued.
        var pivotCurrency = ""
        var pivotUnits: Int64 = 0

        enum CodingKeys: String, CodingKey {
            case eventID = "event_id"
            case occurredAt = "occurred_at"
            case sequence, event
            case paymentID = "payment_id"
            case playerID = "player_id"
            case gateway, currency, units
            case feeUnits = "fee_units"
            case firstDeposit = "first_deposit"
            case pivotCurrency = "pivot_currency"
            case pivotUnits = "pivot_units"
        }
    }

    /// `game_facts`: a game's name and category as an event set them.
    public struct GameFact: Encodable, Sendable, Equatable {
        let eventID: String
        let occurredAt: String
        let sequence: UInt64
        let provider: String
        let game: String
        let name: String
        let category: String

        enum CodingKeys: String, CodingKey {
            case eventID = "event_id"
            case occurredAt = "occurred_at"
            case sequence, provider, game, name, category
        }
    }
}
