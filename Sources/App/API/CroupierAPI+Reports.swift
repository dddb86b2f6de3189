import AppAPI
import Core
import Reporting

/// The report builder (`reports.view`, checked by `APIAccessMiddleware`; docs/reports.md).
extension CroupierAPI {
    func runReport(_ input: Operations.RunReport.Input) async throws -> Operations.RunReport.Output {
        guard case .json(let body) = input.body else { throw AppError(.badRequest, code: .malformedBody) }
        let spec = ReportSpec(body)
        do {
            let table = try await reports.run(spec)
            return .ok(.init(body: .json(.init(columns: table.columns, rows: table.rows))))
        } catch let refusal as ReportRefusal {
            throw AppError(.badRequest, code: ErrorCode(refusal))
        } catch {
            // ClickHouse refused or did not answer (an outage, the 10 s limit): the request was
            // valid, so it may be tried again; the log keeps why.
            try APIRequestScope.required().context.logger.error("a report did not run", metadata: ["reason": "\(error)"])
            throw AppError(.serviceUnavailable, code: .reportingUnavailable)
        }
    }
}

extension ErrorCode {
    init(_ refusal: ReportRefusal) {
        self = ErrorCode(rawValue: refusal.code) ?? .badRequest
    }
}
