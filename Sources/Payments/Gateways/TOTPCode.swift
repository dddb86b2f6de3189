import Crypto
import Foundation

/// An RFC 6238 time-based code (HMAC-SHA-1 over the 30-second step, dynamic truncation) from a
/// secret's bytes, as authenticator apps compute it: NOWPayments asks for one to verify each
/// payout batch. Identity's `TOTPSecret` cannot make it: it keys the HMAC with its own text's
/// bytes, while NOWPayments' secret is base32 of arbitrary bytes.
enum TOTPCode {
    static func code(key: [UInt8], at date: Date, digits: Int = 6, step: Int64 = 30) -> String {
        let counter = UInt64(max(0, Int64(date.timeIntervalSince1970.rounded(.down)) / step))
        let message = withUnsafeBytes(of: counter.bigEndian) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let value = mac[offset..<offset + 4].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } & 0x7FFF_FFFF
        let modulus = (0..<digits).reduce(UInt64(1)) { power, _ in power * 10 }
        let text = String(value % modulus)
        return String(repeating: "0", count: digits - text.count) + text
    }
}
