import Core
import Foundation

/// Why an amount cannot go through a gateway in one currency: part of a deposit's and of a
/// withdrawal's refusal.
public enum GatewayAmountProblem: Error, Sendable, Equatable {
    case malformed(String)
    /// More decimals than the gateway's currency has (Stripe's cents, a coin's decimals).
    case tooManyDecimals(String, exponent: Int)
    case notPositive
    case belowMinimum(String)
    case aboveMaximum(String)

    public var code: String {
        switch self {
        case .malformed: "malformedAmount"
        case .tooManyDecimals: "amountNotRepresentable"
        case .notPositive: "amountNotPositive"
        case .belowMinimum: "amountBelowMinimum"
        case .aboveMaximum: "amountAboveMaximum"
        }
    }

    /// The limit or the amount it names, for messages that show it.
    public var figure: String? {
        switch self {
        case .belowMinimum(let figure), .aboveMaximum(let figure): figure
        default: nil
        }
    }

    /// `what`: "deposit" or "withdrawal".
    func message(_ what: String) -> String {
        switch self {
        case .malformed(let text): "\(text.debugDescription) is not an amount: write it like 25 or 25.50."
        case .tooManyDecimals(let text, let exponent): "\(text) has more than \(exponent) decimal places for this payment method."
        case .notPositive: "The amount must be more than zero."
        case .belowMinimum(let minimum): "The smallest \(what) with this method is \(minimum)."
        case .aboveMaximum(let maximum): "The largest \(what) with this method is \(maximum)."
        }
    }
}

/// The player's decimal text in a gateway's units and in ledger units, exact or refused.
enum GatewayAmount {
    /// The text in the gateway's units, refusing what the gateway cannot move.
    static func gatewayUnits(_ amount: String, in currency: GatewayCurrency) throws(GatewayAmountProblem) -> Int64 {
        let units: Int64
        do {
            units = try Amount.units(fromDecimal: amount.trimmingCharacters(in: .whitespaces), scale: currency.exponent)
        } catch .notRepresentable {
            throw .tooManyDecimals(amount, exponent: currency.exponent)
        } catch {
            throw .malformed(amount)
        }
        guard units > 0 else { throw .notPositive }
        guard units >= currency.minimumUnits else { throw .belowMinimum(text(currency.minimumUnits, currency)) }
        guard units <= currency.maximumUnits else { throw .aboveMaximum(text(currency.maximumUnits, currency)) }
        return units
    }

    /// Gateway units in ledger units: exact, since the ledger's scale is at least the gateway's.
    static func ledgerUnits(_ gatewayUnits: Int64, from offered: GatewayCurrency, to currency: Currency) throws(GatewayAmountProblem)
        -> Int64
    {
        var units = gatewayUnits
        for _ in 0..<(currency.scale - offered.exponent) {
            let (shifted, overflow) = units.multipliedReportingOverflow(by: 10)
            guard !overflow else { throw .aboveMaximum(text(offered.maximumUnits, offered)) }
            units = shifted
        }
        return units
    }

    static func text(_ units: Int64, _ currency: GatewayCurrency) -> String {
        "\(Amount.decimal(units: units, scale: currency.exponent)) \(currency.code)"
    }
}
