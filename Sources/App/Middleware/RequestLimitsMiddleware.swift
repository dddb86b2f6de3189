import Hummingbird

/// Refuses requests that no route should ever see: a declared body over the limit (413 before a
/// byte of it is read) and a URL whose percent-encoding is broken (400). Bodies without a
/// Content-Length are bounded where they are read, through `maxUploadSize`. The limit is the
/// configured one, except for the few paths that take files (`largerBodies`, exact paths).
struct RequestLimitsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let maxBodyBytes: Int
    var largerBodies: [String: Int] = [:]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let limit = largerBodies[request.uri.path].map { max($0, maxBodyBytes) } ?? maxBodyBytes
        context.maxUploadSize = limit
        if let declared = request.headers[.contentLength] {
            guard let length = Int(declared), length >= 0 else {
                throw AppError(.badRequest, code: .malformedContentLength)
            }
            if length > limit { throw AppError(.contentTooLarge, code: .bodyTooLarge) }
        }
        guard Self.isWellFormed(request.uri.path), Self.isWellFormed(request.uri.query ?? "") else {
            throw AppError(.badRequest, code: .malformedURL)
        }
        return try await next(request, context)
    }

    /// Every `%` is followed by two hex digits and the decoded bytes are UTF-8.
    static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%") {
                guard index + 2 < bytes.count, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                    return false
                }
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(bytes[index])
                index += 1
            }
        }
        return String(validating: decoded, as: UTF8.self) != nil
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
