/// Opaque random identifiers for request ids, CSRF tokens and session tokens.
/// `SystemRandomNumberGenerator` is the OS CSPRNG on every platform Swift runs on.
public enum RandomToken {
    /// `byteCount` random bytes as lowercase hex.
    public static func hex(byteCount: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}
