import Foundation

/// An amount of a currency at a moment, to value in the pivot currency: what analytics asks of
/// Compliance's rates (docs/events.md "Pivot").
public struct PivotAmount: Sendable, Equatable {
    public let units: Int64
    public let currency: String
    public let moment: Date

    public init(units: Int64, currency: String, moment: Date) {
        self.units = units
        self.currency = currency
        self.moment = moment
    }
}
