import Foundation

/// The NATS headers every published event carries beside its payload (docs/events.md).
public enum EventHeaders {
    /// When the event happened: its outbox row's time, which is its transaction's, not the
    /// relay's (an event published late after an outage keeps its business time).
    public static let occurredAt = "Croupier-Occurred-At"

    /// The event's outbox id, in decimal: its order among the events of its aggregate. Every
    /// context writes an event after the change that locks its aggregate's row (the player's
    /// accounts, the deposit, the player), so a later event of one aggregate always has a
    /// higher id, however relays interleave their batches (docs/events.md "Order").
    public static let sequence = "Croupier-Sequence"

    /// RFC 3339 in UTC, to the millisecond (`2026-12-05T00:15:00.123Z`).
    public static func text(_ date: Date) -> String { style.format(date) }

    public static func date(_ text: String) -> Date? { try? style.parse(text) }

    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}
