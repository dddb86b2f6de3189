import Foundation

/// `application/x-www-form-urlencoded` as OAuth and payment APIs read it: everything but ASCII
/// letters, digits and `-._~` percent-encoded (so `+`, `&`, `=` and non-ASCII text survive).
public enum FormEncoding {
    static let unreserved: CharacterSet = {
        var allowed = CharacterSet.alphanumerics.intersection(CharacterSet(charactersIn: Unicode.Scalar(0)..<Unicode.Scalar(128)))
        allowed.insert(charactersIn: "-._~")
        return allowed
    }()

    public static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text }

    /// `name=value&…` in the order given.
    public static func body(_ fields: [(String, String)]) -> String {
        fields.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }
}
