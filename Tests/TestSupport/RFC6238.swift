import Crypto
import Foundation

/// TOTP written from RFC 6238 for the tests, independent of the code under test: the secret is
/// read back from the otpauth URI the server printed, as an authenticator app would.
public enum RFC6238 {
    public static func code(uri: String, at date: Date) -> String {
        let secret = URLComponents(string: uri)!.queryItems!.first { $0.name == "secret" }!.value!
        let key = SymmetricKey(data: base32Decode(secret))
        var counter = UInt64(date.timeIntervalSince1970) / 30
        counter = counter.bigEndian
        let message = withUnsafeBytes(of: &counter) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        let offset = Int(mac[mac.count - 1] & 0x0f)
        let value =
            (UInt32(mac[offset] & 0x7f) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        return String(format: "%06d", value % 1_000_000)
    }

    static func base32Decode(_ text: String) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var bits = 0
        var value = 0
        var out: [UInt8] = []
        for character in text.uppercased() where character != "=" {
            guard let index = alphabet.firstIndex(of: character) else { continue }
            value = (value << 5) | index
            bits += 5
            if bits >= 8 {
                out.append(UInt8((value >> (bits - 8)) & 0xff))
                bits -= 8
            }
        }
        return out
    }
}
