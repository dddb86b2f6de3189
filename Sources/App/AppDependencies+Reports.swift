import Compliance
import Core
import Foundation
import Identity
import Logging
import Reporting

/// The report builder's parts that the router and the background jobs share (docs/reports.md).
extension AppDependencies {
    var reports: Reports {
        Reports(clickHouse: clickHouse, currencies: CurrencyCatalog(ledger: ledger), pivot: configuration.pivotCurrency)
    }

    func savedReportLibrary(logger: Logger) -> SavedReportLibrary {
        SavedReportLibrary(
            reports: reports, saved: SavedReports(database: database, logger: logger),
            schedules: ReportSchedules(database: database, logger: logger), audit: AuditLog(database: database, logger: logger), now: now)
    }

    /// The schedules' job, with the mail's strings from the same locale files as the pages.
    func reportScheduleJob(logger: Logger) throws -> ReportScheduleJob {
        guard let resources = Bundle.module.url(forResource: "Resources", withExtension: nil) else {
            throw AppError(.internalServerError, code: .resourcesMissing)
        }
        let localization = try Localization(directory: resources.appendingPathComponent("Locales"))
        return ReportScheduleJob(
            library: savedReportLibrary(logger: logger),
            mail: ScheduledReportMail(localization: localization, publicURL: configuration.publicURL), logger: logger)
    }
}

/// Compliance's rates value the loader's money facts in the pivot.
struct CompliancePivotValuation: PivotValuation {
    let rates: FXRates

    var pivot: String { rates.pivot }

    func pivotValues(of amounts: [PivotAmount]) async throws -> [Int64?] { try await rates.pivotValues(of: amounts) }
}
