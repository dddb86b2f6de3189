import Hummingbird

/// An error meant for the client: a status and a code from the contract's `ErrorCode`. The text
/// people see comes from the locale files (`errors.<status>`), never from the error itself. It is
/// an `HTTPResponseError` so that metrics record its status rather than a 500.
struct AppError: HTTPResponseError, Sendable {
    let status: HTTPResponse.Status
    let code: ErrorCode

    init(_ status: HTTPResponse.Status, code: ErrorCode) {
        self.status = status
        self.code = code
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status)
    }
}
