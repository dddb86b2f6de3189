import Foundation

/// The payloads the loader reads (docs/events.md "Subjects"), version 1 of each, and the fact
/// each becomes. A payload that does not read throws; the caller keeps the event raw only.
enum EventPayloads {
    /// `croupier.ledger.<kind>`.
    struct Ledger: Decodable {
        struct Delta: Decodable {
            let real: Int64
            let bonus: Int64
            let locked: Int64
            let debt: Int64?
        }

        let transactionId: Int64
        let kind: String
        let playerId: Int64
        let currency: String
        let delta: Delta
        let reference: Int64?
        /// From PostgreSQL migration 0049 on; absent before.
        let house: String?
        let metadata: [String: String]?
    }

    /// `croupier.payments.*`: a deposit's (`depositId`, `firstDeposit`) or a withdrawal's
    /// (`withdrawalId`, `feeUnits`) event; a chargeback names its deposit.
    struct Payment: Decodable {
        let depositId: String?
        let withdrawalId: String?
        let playerId: Int64
        let gateway: String
        let currency: String
        let units: Int64
        let feeUnits: Int64?
        let firstDeposit: Bool?
    }

    /// Identity's and Compliance's player events: whichever of the attributes they carry.
    struct Player: Decodable {
        let playerId: Int64
        let language: String?
        let segments: [String]?
        let country: String?
        let level: Int?
    }

    /// `croupier.games.game_changed`.
    struct Game: Decodable {
        let provider: String
        let game: String
        let name: String
        let category: String
    }

    struct Unreadable: Error {}

    static func money(_ data: Data, eventID: String, at time: String, moment: Date) throws -> EventRows.Money {
        let event = try JSONDecoder().decode(Ledger.self, from: data)
        let metadata = event.metadata ?? [:]
        return EventRows.Money(
            eventID: eventID, occurredAt: time, transactionID: event.transactionId, kind: event.kind, playerID: event.playerId,
            currency: event.currency, realUnits: event.delta.real, bonusUnits: event.delta.bonus, lockedUnits: event.delta.locked,
            debtUnits: event.delta.debt ?? 0, referenceID: event.reference ?? 0, house: event.house ?? "",
            provider: metadata["provider"] ?? "",
            game: metadata["game"] ?? "", round: metadata["round"] ?? "", gateway: metadata["gateway"] ?? "", moment: moment)
    }

    static func payment(
        _ event: String, _ data: Data, eventID: String, at time: String, moment: Date, sequence: UInt64
    ) throws -> EventRows.PaymentFact {
        let payment = try JSONDecoder().decode(Payment.self, from: data)
        guard let id = payment.depositId ?? payment.withdrawalId else { throw Unreadable() }
        return EventRows.PaymentFact(
            eventID: eventID, occurredAt: time, sequence: sequence, event: event, paymentID: id, playerID: payment.playerId,
            gateway: payment.gateway, currency: payment.currency, units: payment.units, feeUnits: payment.feeUnits ?? 0,
            firstDeposit: payment.firstDeposit == true ? 1 : 0, moment: moment)
    }

    /// The game fact of a Games event, or nil for an event of Games that names no game's dimensions.
    static func game(_ event: String, _ data: Data, eventID: String, at time: String, sequence: UInt64) throws -> EventRows.GameFact? {
        guard event == "game_changed" else { return nil }
        let game = try JSONDecoder().decode(Game.self, from: data)
        return EventRows.GameFact(
            eventID: eventID, occurredAt: time, sequence: sequence, provider: game.provider, game: game.game, name: game.name,
            category: game.category)
    }

    /// The attribute a player event sets, or nil for an event of these contexts that sets none.
    static func playerAttribute(_ event: String, _ data: Data) throws -> (player: Int64, attribute: String, value: String)? {
        let attribute: String
        switch event {
        case "player_registered": attribute = "registered"
        case "player_segments_changed": attribute = "segments"
        case "profile_changed": attribute = "country"
        case "kyc_level_changed": attribute = "kyc_level"
        default: return nil
        }
        let player = try JSONDecoder().decode(Player.self, from: data)
        let value: String? =
            switch attribute {
            case "registered": player.language
            case "segments": player.segments.map { $0.sorted().joined(separator: ",") }
            case "country": player.country ?? ""
            default: player.level.map(String.init)
            }
        guard let value else { throw Unreadable() }
        return (player.playerId, attribute, value)
    }
}
