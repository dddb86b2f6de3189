import Foundation

/// A `multipart/form-data` body (RFC 7578) as a browser sends a form with a file: its parts in
/// order, each with its field name, the file name the browser gave (nil for a plain field), the
/// declared content type and the bytes. Nothing here trusts the file name or the content type:
/// they are what the client claims.
public struct MultipartForm: Sendable, Equatable {
    public struct Part: Sendable, Equatable {
        public let name: String
        public let filename: String?
        public let contentType: String?
        public let body: [UInt8]
    }

    public enum Problem: Error, Sendable, Equatable {
        /// The Content-Type is not `multipart/form-data` with a usable boundary.
        case notMultipart
        /// The body does not follow the boundary structure, a part lacks its name, or a header
        /// is not UTF-8 or too long.
        case malformed
        /// More parts than the form can have.
        case tooManyParts
    }

    public let parts: [Part]

    /// The first plain field named `name`, as text.
    public func field(_ name: String) -> String? {
        parts.first { $0.name == name && $0.filename == nil }.flatMap { String(validating: $0.body, as: UTF8.self) }
    }

    /// The first file part named `name`.
    public func file(_ name: String) -> Part? { parts.first { $0.name == name && $0.filename != nil } }

    /// The boundary of a `multipart/form-data` Content-Type, or nil for any other type.
    public static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let type = pieces.first, type.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0].lowercased() == "boundary" else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            // RFC 2046: 1 to 70 characters, none of them a control character.
            guard (1...70).contains(value.utf8.count), value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else { return nil }
            return value
        }
        return nil
    }

    /// Parses `body`; `maximumParts` bounds the work a hostile body can ask for.
    public init(body: [UInt8], contentType: String, maximumParts: Int = 16) throws(Problem) {
        guard let boundary = Self.boundary(contentType: contentType) else { throw .notMultipart }
        let dashBoundary = Array("--\(boundary)".utf8)
        let delimiter = Array("\r\n--\(boundary)".utf8)
        guard body.starts(with: dashBoundary) else { throw .malformed }
        var parts: [Part] = []
        var cursor = dashBoundary.count
        while true {
            // After a boundary: `--` ends the body, CRLF starts a part.
            if body[cursor...].starts(with: [0x2D, 0x2D]) { break }
            guard body[cursor...].starts(with: [0x0D, 0x0A]) else { throw .malformed }
            cursor += 2
            guard parts.count < maximumParts else { throw .tooManyParts }
            guard let headersEnd = Self.find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: cursor), headersEnd - cursor <= 4096 else {
                throw .malformed
            }
            let headers = try Self.headers(Array(body[cursor..<headersEnd]))
            let start = headersEnd + 4
            guard let end = Self.find(delimiter, in: body, from: start) else { throw .malformed }
            parts.append(
                Part(name: headers.name, filename: headers.filename, contentType: headers.contentType, body: Array(body[start..<end])))
            cursor = end + delimiter.count
        }
        self.parts = parts
    }

    private static func headers(_ bytes: [UInt8]) throws(Problem) -> (name: String, filename: String?, contentType: String?) {
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed }
        var name: String?
        var filename: String?
        var contentType: String?
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: false) {
            guard let colon = line.firstIndex(of: ":") else { throw .malformed }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "content-disposition":
                let parameters = Self.parameters(value)
                guard parameters.first?.key.lowercased() == "form-data" else { throw .malformed }
                name = parameters.first { $0.key.lowercased() == "name" }?.value
                filename = parameters.first { $0.key.lowercased() == "filename" }?.value
            case "content-type":
                contentType = value
            default:
                continue
            }
        }
        guard let name, !name.isEmpty else { throw .malformed }
        return (name, filename, contentType)
    }

    /// `form-data; name="a"; filename="b.pdf"` as (key, value) pairs, the first with an empty
    /// value. A quoted value keeps `;` and may escape `"` as browsers do (`%22`, left as sent).
    private static func parameters(_ value: String) -> [(key: String, value: String)] {
        var result: [(key: String, value: String)] = []
        var rest = Substring(value)
        while !rest.isEmpty {
            var piece = ""
            var quoted = false
            while let character = rest.first {
                rest = rest.dropFirst()
                if character == "\"" { quoted.toggle() }
                if character == ";" && !quoted { break }
                piece.append(character)
            }
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard let key = pair.first, !key.isEmpty else { continue }
            var parameter = pair.count == 2 ? pair[1] : ""
            if parameter.count >= 2, parameter.hasPrefix("\""), parameter.hasSuffix("\"") {
                parameter = String(parameter.dropFirst().dropLast())
            }
            result.append((key, parameter))
        }
        return result
    }

    /// The index where `needle` first starts in `haystack` at or after `start`.
    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first && haystack[index..<(index + needle.count)].elementsEqual(needle) { return index }
            index += 1
        }
        return nil
    }
}
