import Core
import Foundation
import HummingbirdOTP

/// A staff member's TOTP secret (RFC 6238, SHA-1, 6 digits, 30 s), kept sealed for its member
/// (`RowSealer`), so a database dump alone cannot mint codes and a secret copied onto another
/// member's row does not open there.
public struct TOTPSecret: Sendable {
    /// 20 characters from a 62-letter alphabet: ~119 bits, used as the HMAC key's bytes.
    let text: String

    public static func random() -> TOTPSecret {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return TOTPSecret(text: String((0..<20).map { _ in alphabet.randomElement(using: &generator)! }))
    }

    init(text: String) { self.text = text }

    public func sealed(with sealer: RowSealer, for staff: Int64) throws -> [UInt8] {
        try sealer.seal(Data(text.utf8), for: "\(staff)")
    }

    /// Throws when the seal was made for another member, under another secret, or was altered.
    public static func open(_ sealed: [UInt8], with sealer: RowSealer, for staff: Int64) throws -> TOTPSecret {
        TOTPSecret(text: String(decoding: try sealer.open(sealed, for: "\(staff)"), as: UTF8.self))
    }

    /// The `otpauth://` URI an authenticator app enrols from.
    public func authenticatorURI(account: String, issuer: String = "Croupier") -> String {
        TOTP(secret: text).createAuthenticatorURL(label: "\(issuer):\(account)", issuer: issuer)
    }

    /// The secret as authenticator apps take it when typed in by hand (RFC 4648 base32, no padding).
    public var base32: String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var output = ""
        var buffer = 0
        var bits = 0
        for byte in Array(text.utf8) {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return output
    }

    /// The 30-second step whose code this is: the current step or either neighbour (clock
    /// drift). The caller refuses a step already used, so a code works once.
    public func matchingStep(_ code: String, at date: Date) -> Int64? {
        guard code.count == 6, code.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(code) else { return nil }
        let totp = TOTP(secret: text)
        for offset in [-30.0, 0, 30] {
            let moment = date.addingTimeInterval(offset)
            if totp.compute(date: moment) == value { return Int64(moment.timeIntervalSince1970) / 30 }
        }
        return nil
    }
}
