import Compliance
import Logging
import Payments

/// Compliance's AML parts as the running platform wires them (docs/compliance.md).
extension AppDependencies {
    public var amlEngine: AMLEngine {
        AMLEngine(
            history: PaymentsMovementHistory(logger: Logger(label: "croupier.payments")), conversion: kyc.rates, ledger: ledger,
            countries: kyc.profiles, logger: Logger(label: "croupier.aml"), now: now)
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
