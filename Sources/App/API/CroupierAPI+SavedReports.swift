import AppAPI
import Foundation
import HTTPTypes
import Identity
import OpenAPIRuntime
import Reporting

/// Saved reports, their exports and schedules (`reports.view` to read, `reports.manage` to
/// change, checked by `APIAccessMiddleware`; docs/reports.md "Saved reports").
extension CroupierAPI {
    func listSavedReports(_ input: Operations.ListSavedReports.Input) async throws -> Operations.ListSavedReports.Output {
        let schedules = try await savedReports.schedules.all()
        let views = try await savedReports.saved.all().map { Components.Schemas.SavedReport($0, schedule: schedules[$0.id]) }
        return .ok(.init(body: .json(.init(reports: views))))
    }

    func createSavedReport(_ input: Operations.CreateSavedReport.Input) async throws -> Operations.CreateSavedReport.Output {
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        let draft = SavedReportDraft(
            name: body.name, spec: ReportSpec(body.spec), relativeRange: body.relativeRange.map(RelativeRange.init))
        let report = try await changing { try await savedReports.create(draft, by: $0, ip: $1, requestID: $2) }
        return .created(.init(body: .json(.init(report, schedule: nil))))
    }

    func getSavedReport(_ input: Operations.GetSavedReport.Input) async throws -> Operations.GetSavedReport.Output {
        .ok(.init(body: .json(try await view(try Self.reportID(input.path.id)))))
    }

    func updateSavedReport(_ input: Operations.UpdateSavedReport.Input) async throws -> Operations.UpdateSavedReport.Output {
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        let id = try Self.reportID(input.path.id)
        let draft = SavedReportDraft(
            name: body.name, spec: ReportSpec(body.spec), relativeRange: body.relativeRange.map(RelativeRange.init))
        _ = try await changing { try await savedReports.update(id, version: body.version, with: draft, by: $0, ip: $1, requestID: $2) }
        return .ok(.init(body: .json(try await view(id))))
    }

    func deleteSavedReport(_ input: Operations.DeleteSavedReport.Input) async throws -> Operations.DeleteSavedReport.Output {
        let id = try Self.reportID(input.path.id)
        try await changing { try await savedReports.delete(id, by: $0, ip: $1, requestID: $2) }
        return .noContent(.init())
    }

    func setReportSchedule(_ input: Operations.SetReportSchedule.Input) async throws -> Operations.SetReportSchedule.Output {
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        let id = try Self.reportID(input.path.id)
        let schedule = ReportSchedule(
            cadence: .init(rawValue: body.cadence.rawValue) ?? .daily, weekday: body.weekday, hour: body.hour, timeZone: body.timeZone,
            format: .init(rawValue: body.format.rawValue) ?? .csv, recipients: body.recipients, language: body.language?.rawValue ?? "en")
        _ = try await changing { try await savedReports.schedule(id, schedule, by: $0, ip: $1, requestID: $2) }
        return .ok(.init(body: .json(try await view(id))))
    }

    func deleteReportSchedule(_ input: Operations.DeleteReportSchedule.Input) async throws -> Operations.DeleteReportSchedule.Output {
        let id = try Self.reportID(input.path.id)
        try await changing { try await savedReports.unschedule(id, by: $0, ip: $1, requestID: $2) }
        return .noContent(.init())
    }

    /// A report with its schedule, as the contract shows it.
    private func view(_ id: Int64) async throws -> Components.Schemas.SavedReport {
        let report = try await refusingSavedReport { try await savedReports.saved.find(id) }
        return .init(report, schedule: try await savedReports.schedules.entry(of: id))
    }

    /// Runs a change as the signed-in staff member (with the request's address and id for the
    /// audit row), its refusals named as the contract names them.
    @discardableResult
    private func changing<T>(_ change: (StaffMember, String, String) async throws -> T) async throws -> T {
        let scope = try APIRequestScope.required()
        let staff = try scope.signedInStaff()
        return try await refusingSavedReport { try await change(staff, scope.context.clientAddress, scope.context.requestID) }
    }

    func exportSavedReport(_ input: Operations.ExportSavedReport.Input) async throws -> Operations.ExportSavedReport.Output {
        let id = try Self.reportID(input.path.id)
        let format = ReportSchedule.Format(rawValue: input.query.format?.rawValue ?? "csv") ?? .csv
        let (report, table) = try await refusingSavedReport {
            let report = try await savedReports.saved.find(id)
            do {
                return (report, try await savedReports.run(report))
            } catch let refusal as SavedReportRefusal {
                throw refusal
            } catch {
                try APIRequestScope.required().context.logger.error("a saved report did not run", metadata: ["reason": "\(error)"])
                throw AppError(.serviceUnavailable, code: .reportingUnavailable)
            }
        }
        switch format {
        case .json: return .ok(.init(body: .json(.init(columns: table.columns, rows: table.rows))))
        case .csv, .xlsx:
            let file = try ReportExport(table, format: format, measures: report.spec.measures)
            return format == .csv
                ? .ok(.init(body: .csv(HTTPBody(file.bytes))))
                : .ok(.init(body: .applicationVnd_openxmlformatsOfficedocument_spreadsheetml_sheet(HTTPBody(file.bytes))))
        }
    }

    private static func reportID(_ text: String) throws -> Int64 {
        guard let id = Int64(text), id > 0 else { throw AppError(.notFound, code: .reportNotFound) }
        return id
    }

    /// Saved reports' refusals as the contract names them.
    private func refusingSavedReport<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let refusal as SavedReportRefusal {
            let status: HTTPResponse.Status =
                switch refusal {
                case .notFound: .notFound
                case .nameTaken, .versionConflict: .conflict
                default: .badRequest
                }
            throw AppError(status, code: ErrorCode(rawValue: refusal.code) ?? .badRequest)
        }
    }
}

extension ReportSpec {
    init(_ body: Components.Schemas.ReportSpec) {
        self.init(
            measures: body.measures, dimensions: body.dimensions ?? [],
            filters: (body.filters ?? []).map { .init(dimension: $0.dimension, values: $0.values) }, from: .init(body.from),
            to: .init(body.to), grain: body.grain ?? "day", timeZone: body.timeZone ?? "UTC",
            order: (body.order ?? []).map { .init(by: $0.by, descending: $0.descending ?? false) }, limit: body.limit ?? 1_000,
            pivot: body.pivot ?? false)
    }
}

extension RelativeRange {
    /// The contract's ranges are this enum's cases, name for name.
    init(_ range: Components.Schemas.RelativeRange) {
        guard let range = RelativeRange(rawValue: range.rawValue) else { preconditionFailure("the contract names \(range.rawValue)") }
        self = range
    }
}
