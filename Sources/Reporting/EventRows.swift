import Foundation

/// What the loader writes for each event (docs/events.md "ClickHouse"): the raw event always,
/// and the facts its subject makes: a money movement for a ledger event, a player's attribute
/// for Identity's and Compliance's, a payment fact for Payments', a game fact for Games'. Rows reach ClickHouse as
/// JSONEachRow, encoded here by `JSONEncoder`: values are never spliced into SQL text.
public struct EventRows: Sendable {
    public var raw: [Raw] = []
    public var money: [Money] = []
    public var players: [PlayerFact] = []
    public var payments: [PaymentFact] = []
    public var games: [GameFact] = []

    public init() {}

    /// Adds one event. `subject` is as published (`<stream prefix>.<context>.<event>`);
    /// `sequence` its order among its aggregate's events. False for an event of a known subject
    /// whose payload does not read as it: it is kept raw only, never guessed at, and the caller
    /// reports it.
    @discardableResult
    public mutating func add(eventID: String, subject: String, occurredAt: Date, sequence: UInt64, payload: [UInt8]) -> Bool {
        let time = Self.dateTime(occurredAt)
        raw.append(Raw(eventID: eventID, subject: subject, occurredAt: time, payload: String(decoding: payload, as: UTF8.self)))
        let parts = subject.split(separator: ".")
        guard parts.count == 3 else { return true }
        let event = String(parts[2])
        let data = Data(payload)
        do {
            switch parts[1] {
            case "ledger":
                money.append(try EventPayloads.money(data, eventID: eventID, at: time, moment: occurredAt))
            case "identity", "compliance":
                guard let fact = try EventPayloads.playerAttribute(event, data) else { return true }
                players.append(
                    PlayerFact(
                        eventID: eventID, occurredAt: time, sequence: sequence, playerID: fact.player, attribute: fact.attribute,
                        value: fact.value))
            case "payments":
                payments.append(
                    try EventPayloads.payment(event, data, eventID: eventID, at: time, moment: occurredAt, sequence: sequence))
            case "games":
                guard let fact = try EventPayloads.game(event, data, eventID: eventID, at: time, sequence: sequence) else { return true }
                games.append(fact)
            default:
                return true
            }
        } catch {
            return false
        }
        return true
    }

    /// ClickHouse's DateTime text, in UTC, to the second (DateTime has no fractions).
    static func dateTime(_ date: Date) -> String {
        let parts = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        let numbers = [parts.year, parts.month, parts.day, parts.hour, parts.minute, parts.second].map { $0 ?? 0 }
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5])
    }
}
