import Core
import Foundation

/// How the loader values money facts in the pivot currency (docs/events.md "Pivot"). The rates
/// are Compliance's: the App hands them over, so Reporting never reads another context's tables.
public protocol PivotValuation: Sendable {
    /// The pivot currency's code.
    var pivot: String { get }
    /// Each amount in ledger units of the pivot at the rate valid at its moment, in order; nil
    /// where no rate was valid then.
    func pivotValues(of amounts: [PivotAmount]) async throws -> [Int64?]
}

extension EventRows {
    struct ValuationMismatch: Error {}

    /// Values every money movement and payment fact of the batch in the pivot, with one call.
    /// A movement is valued only when all its amounts are; otherwise its pivot currency stays "".
    mutating func value(in valuation: any PivotValuation) async throws {
        var amounts: [PivotAmount] = []
        for row in money {
            for units in [row.realUnits, row.bonusUnits, row.lockedUnits, row.debtUnits] {
                amounts.append(PivotAmount(units: units, currency: row.currency, moment: row.moment))
            }
        }
        for row in payments { amounts.append(PivotAmount(units: row.units, currency: row.currency, moment: row.moment)) }
        guard !amounts.isEmpty else { return }
        let values = try await valuation.pivotValues(of: amounts)
        guard values.count == amounts.count else { throw ValuationMismatch() }
        for index in money.indices {
            let first = index * 4
            guard let real = values[first], let bonus = values[first + 1], let locked = values[first + 2], let debt = values[first + 3]
            else { continue }
            money[index].pivotCurrency = valuation.pivot
            money[index].pivotRealUnits = real
            money[index].pivotBonusUnits = bonus
            money[index].pivotLockedUnits = locked
            money[index].pivotDebtUnits = debt
        }
        for index in payments.indices {
            guard let units = values[money.count * 4 + index] else { continue }
            payments[index].pivotCurrency = valuation.pivot
            payments[index].pivotUnits = units
        }
    }
}
