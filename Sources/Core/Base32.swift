/// RFC 4648 base32, the form authenticator secrets are shown in (NOWPayments' 2FA secret).
public enum Base32 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// The bytes of `text`, read as people copy a secret: any case, spaces and `=` padding
    /// ignored. Nil when it is empty, holds another character, or leaves a partial byte that is
    /// not zero bits.
    public static func decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var buffer = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: " ") && character != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5 | value) & 0xFFF
            bits += 5
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8(buffer >> bits & 0xFF))
            }
        }
        guard !bytes.isEmpty, buffer & ((1 << bits) - 1) == 0 else { return nil }
        return bytes
    }
}
