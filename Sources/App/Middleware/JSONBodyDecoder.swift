import Foundation
import Hummingbird

/// Decodes JSON request bodies, and only those declared `application/json`. A cross-site page
/// can make a browser POST a form or `text/plain` body without asking CORS first, but not an
/// `application/json` one, so requiring the type keeps such a page from driving a JSON
/// endpoint (signing a victim into an attacker's account, say). Anything else is 415
/// `jsonRequired`.
public struct JSONBodyDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        guard Self.declaresJSON(request.headers[.contentType]) else {
            throw AppError(.unsupportedMediaType, code: .jsonRequired)
        }
        return try await JSONDecoder().decode(type, from: request, context: context)
    }

    /// `application/json`, with parameters (`; charset=utf-8`) or not, in any letter case.
    static func declaresJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/json"
    }
}
