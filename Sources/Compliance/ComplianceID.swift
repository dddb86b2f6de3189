import Foundation

/// The ids Compliance gives out (`doc_…`, `kyc_…`): a prefix and 128 random bits as 22 URL-safe
/// characters, so one id tells nothing about another and none can be guessed.
enum ComplianceID {
    static func random(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + "_"
            + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
