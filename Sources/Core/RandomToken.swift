/// Opaque random identifiers for request ids, CSRF tokens and session tokens.
/// `SystemRandomNumberGenerator` is the OS CSPRNG on every platform Swift runs on.
public enum RandomToken {
    /// `byteCount` random bytes as lowercase hex.
    public static func hex(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

extension RandomToken {
    /// Compares two tokens in time that depends only on their lengths, so a guesser learns
    /// nothing from how long a refusal took.
    public static func matches(_ presented: String, _ expected: String) -> Bool {
        let a = Array(presented.utf8)
        let b = Array(expected.utf8)
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
