import Foundation
import Hummingbird

/// Russian and English strings, loaded once from `Resources/Locales/<code>.json` (nested
/// objects of strings). Templates read them as `{{t.section.key}}`; Swift code as
/// `string("section.key", in:)`. Both files must hold the same keys; a test checks it.
final class Localization: @unchecked Sendable {
    // @unchecked: the tables are written once in init and only read afterwards.
    static let supported = ["ru", "en"]
    static let fallback = "ru"
    static let names = ["ru": "Русский", "en": "English"]

    private let tables: [String: [String: Any]]

    init(directory: URL) throws {
        var tables: [String: [String: Any]] = [:]
        for code in Self.supported {
            let data = try Data(contentsOf: directory.appendingPathComponent("\(code).json"))
            guard let table = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw LocalizationError.notAnObject(code)
            }
            tables[code] = table
        }
        self.tables = tables
    }

    enum LocalizationError: Error, CustomStringConvertible {
        case notAnObject(String)
        var description: String {
            switch self {
            case .notAnObject(let code): "Locales/\(code).json is not a JSON object"
            }
        }
    }

    /// The whole table, for a template's `t`.
    func table(_ language: String) -> [String: Any] {
        tables[language] ?? tables[Self.fallback] ?? [:]
    }

    /// A dotted key's string, or the key itself so that a missing string is visible.
    func string(_ key: String, in language: String) -> String {
        var node: Any? = table(language)
        for part in key.split(separator: ".") {
            node = (node as? [String: Any])?[String(part)]
        }
        return node as? String ?? key
    }

    /// Every dotted key of a language, for the parity test.
    func keys(_ language: String) -> Set<String> {
        func walk(_ node: [String: Any], prefix: String) -> [String] {
            node.flatMap { key, value -> [String] in
                let path = prefix.isEmpty ? key : "\(prefix).\(key)"
                if let child = value as? [String: Any] { return walk(child, prefix: path) }
                return [path]
            }
        }
        return Set(walk(table(language), prefix: ""))
    }

    /// The language for a request: the `lang` cookie set by the switch, then Accept-Language
    /// by quality, then Russian (the primary audience).
    static func language(for request: Request) -> String {
        if let chosen = request.cookies["lang"]?.value, supported.contains(chosen) { return chosen }
        return preferred(acceptLanguage: request.headers[.acceptLanguage] ?? "") ?? fallback
    }

    static func preferred(acceptLanguage: String) -> String? {
        let ranges = acceptLanguage.split(separator: ",").enumerated().compactMap { position, item -> (String, Double, Int)? in
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first, !tag.isEmpty else { return nil }
            var quality = 1.0
            for parameter in parts.dropFirst() where parameter.hasPrefix("q=") {
                quality = Double(parameter.dropFirst(2)) ?? 0
            }
            let primary = tag.split(separator: "-").first.map { $0.lowercased() } ?? ""
            return (primary, quality, position)
        }
        return
            ranges
            .filter { $0.1 > 0 && supported.contains($0.0) }
            .sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.2 < $1.2 }
            .first?.0
    }
}
