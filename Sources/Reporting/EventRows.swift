import Foundation

/// What the loader writes for each event (docs/events.md "ClickHouse"): the raw event always, and
/// a money fact for a ledger event. Rows reach ClickHouse as JSONEachRow, encoded here by
/// `JSONEncoder`: values are never spliced into SQL text.
public struct EventRows: Sendable {
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
        let provider: String
        let game: String
        let round: String
        let gateway: String

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
            case provider, game, round, gateway
        }
    }

    public var raw: [Raw] = []
    public var money: [Money] = []

    public init() {}

    /// Adds one event. `subject` is as published (`<stream prefix>.<context>.<event>`). False for a
    /// ledger event whose payload does not read as one: it is kept raw only, never guessed at,
    /// and the caller reports it.
    @discardableResult
    public mutating func add(eventID: String, subject: String, occurredAt: Date, payload: [UInt8]) -> Bool {
        let time = Self.dateTime(occurredAt)
        raw.append(Raw(eventID: eventID, subject: subject, occurredAt: time, payload: String(decoding: payload, as: UTF8.self)))
        let parts = subject.split(separator: ".")
        guard parts.count == 3, parts[1] == "ledger" else { return true }
        guard let event = try? JSONDecoder().decode(LedgerEvent.self, from: Data(payload)) else { return false }
        money.append(
            Money(
                eventID: eventID, occurredAt: time, transactionID: event.transactionId, kind: event.kind, playerID: event.playerId,
                currency: event.currency, realUnits: event.delta.real, bonusUnits: event.delta.bonus, lockedUnits: event.delta.locked,
                debtUnits: event.delta.debt ?? 0, referenceID: event.reference ?? 0, provider: event.metadata?["provider"] ?? "",
                game: event.metadata?["game"] ?? "", round: event.metadata?["round"] ?? "", gateway: event.metadata?["gateway"] ?? ""))
        return true
    }

    /// The ledger's event payload (`croupier.ledger.<kind>`, docs/events.md), version 1.
    struct LedgerEvent: Decodable {
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
        let metadata: [String: String]?
    }

    /// ClickHouse's DateTime text, in UTC, to the second (DateTime has no fractions).
    static func dateTime(_ date: Date) -> String {
        let parts = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let numbers = [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second].map { $0 ?? 0 }
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5])
    }
}
