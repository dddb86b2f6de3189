import Core
import Foundation
import PostgresNIO

/// Sums over windows and across currencies are made in one currency, the pivot
/// (`CROUPIER_PIVOT_CURRENCY`, EUR by default), each movement at the rate valid when it happened.
public protocol PivotConversion: Sendable {
    /// The pivot currency's code.
    var pivot: String { get }

    /// `units` (ledger units of `currency`) in ledger units of the pivot, at the rate valid at
    /// `moment`. Throws `MissingRate` when no rate was valid then: checks that need it fail
    /// closed.
    func pivotUnits(_ units: Int64, of currency: String, at moment: Date, on connection: PostgresConnection) async throws -> Int64
}

/// No rate for `currency` was valid at `moment`.
public struct MissingRate: Error, Sendable, Equatable {
    public let currency: String
    public let moment: Date

    public init(currency: String, moment: Date) {
        self.currency = currency
        self.moment = moment
    }
}
