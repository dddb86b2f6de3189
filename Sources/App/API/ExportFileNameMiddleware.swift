import AppAPI
import HTTPTypes
import OpenAPIRuntime

/// Names the file of a saved report's export (`Content-Disposition: attachment`). The generated
/// layer would percent-encode a header it sets from the contract (`;`, `"` and spaces are not
/// safe in its "simple" style), so the header is added here, after the handler, from the id
/// and the content type it answered.
struct ExportFileNameMiddleware: ServerMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, metadata: ServerRequestMetadata, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var (response, responseBody) = try await next(request, body, metadata)
        guard operationID == Operations.ExportSavedReport.id, response.status == .ok,
            let id = metadata.pathParameters["id"], id.allSatisfy(\.isNumber),
            let suffix = Self.suffixes.first(where: { response.headerFields[.contentType]?.hasPrefix($0.type) == true })?.suffix
        else { return (response, responseBody) }
        response.headerFields[.contentDisposition] = #"attachment; filename="croupier-report-\#(id).\#(suffix)""#
        return (response, responseBody)
    }

    static let suffixes = [
        (type: "text/csv", suffix: "csv"), (type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", suffix: "xlsx"),
        (type: "application/json", suffix: "json"),
    ]
}
