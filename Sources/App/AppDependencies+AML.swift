import Compliance
import Foundation
import Logging
import Payments
import PostgresNIO

/// Compliance's AML parts as the running platform wires them (docs/compliance.md).
extension AppDependencies {
    /// Sums in the pivot currency. Until Compliance's dated FX rates (`FXRates`, the KYC branch)
    /// are wired here, only the pivot itself converts, and every other currency fails closed
    /// (`MissingRate`) as a currency without a rate does.
    var pivotConversion: any PivotConversion { PivotOnlyConversion(pivot: "EUR") }

    public var amlEngine: AMLEngine {
        AMLEngine(
            history: PaymentsMovementHistory(logger: Logger(label: "croupier.payments")), conversion: pivotConversion, ledger: ledger,
            logger: Logger(label: "croupier.aml"), now: now)
    }

    public var amlCases: AMLCases { AMLCases(database: database, ledger: ledger, logger: Logger(label: "croupier.aml")) }
    public var amlRules: AMLRuleStore { AMLRuleStore(database: database, logger: Logger(label: "croupier.aml")) }
    public var amlAlerts: AMLAlerts { AMLAlerts(database: database, logger: Logger(label: "croupier.aml")) }

    /// The scheduled scan of the window rules, every 10 minutes over the last 24 hours' movers.
    func amlScan(logger: Logger) -> AMLScan {
        AMLScan(
            database: database, engine: amlEngine, history: PaymentsMovementHistory(logger: Logger(label: "croupier.payments")),
            logger: logger)
    }
}

/// The pivot converts to itself; any other currency has no rate.
struct PivotOnlyConversion: PivotConversion {
    let pivot: String

    func pivotUnits(_ units: Int64, of currency: String, at moment: Date, on connection: PostgresConnection) async throws -> Int64 {
        guard currency == pivot else { throw MissingRate(currency: currency, moment: moment) }
        return units
    }
}
