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
    /// Arithmetic on the seconds since 1970 (the proleptic Gregorian calendar's days to a civil
    /// date): every event the loader reads makes one, and Foundation's calendar and formatter
    /// were a quarter of the time it spent building rows.
    static func dateTime(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds.quotientRoundedDown(by: 86_400)
        let secondOfDay = seconds - days * 86_400
        // Days since 0000-03-01, in eras of 400 years (146,097 days), so leap days end each year.
        let shifted = days + 719_468
        let era = shifted.quotientRoundedDown(by: 146_097)
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        var text = ""
        text.reserveCapacity(19)
        func append(_ value: Int64, digits: Int) {
            let written = String(value)
            if written.utf8.count < digits { text += String(repeating: "0", count: digits - written.utf8.count) }
            text += written
        }
        append(year, digits: 4)
        text += "-"
        append(month, digits: 2)
        text += "-"
        append(day, digits: 2)
        text += " "
        append(secondOfDay / 3_600, digits: 2)
        text += ":"
        append(secondOfDay % 3_600 / 60, digits: 2)
        text += ":"
        append(secondOfDay % 60, digits: 2)
        return text
    }
}

extension Int64 {
    /// Division rounded toward minus infinity, as days and eras before 1970 need.
    fileprivate func quotientRoundedDown(by divisor: Int64) -> Int64 {
        let (quotient, remainder) = quotientAndRemainder(dividingBy: divisor)
        return remainder < 0 ? quotient - 1 : quotient
    }
}
