import Crypto
import Foundation

/// The application's master secret (32 bytes). Other keys (session signing, credential
/// encryption) are derived from it with HKDF so that one value is all an operator manages.
/// Its description never shows the bytes, so it can't leak through a log line.
public struct SecretKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let bytes: [UInt8]

    public init?(hex: String) {
        guard hex.count == 64, let bytes = Hex.decode(hex) else { return nil }
        self.bytes = bytes
    }

    public static func random() -> SecretKey {
        SecretKey(bytes: (0..<32).map { _ in UInt8.random(in: .min ... .max) })
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    public var description: String { "SecretKey(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [:]) }

    /// A purpose-bound subkey: `derive("csrf")` and `derive("credentials")` never coincide.
    public func derive(_ purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: bytes),
            info: Data("croupier:\(purpose)".utf8),
            outputByteCount: 32)
    }

    /// Reads `<directory>/secret_key`, creating it (mode 0600) on first use.
    static func loadOrCreate(inDirectory directory: String) throws -> (SecretKey, created: Bool, path: String) {
        let path = (directory as NSString).appendingPathComponent("secret_key")
        if let text = try? String(contentsOfFile: path, encoding: .utf8),
            let key = SecretKey(hex: text.trimmingCharacters(in: .whitespacesAndNewlines))
        {
            return (key, false, path)
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = SecretKey.random()
        guard
            FileManager.default.createFile(
                atPath: path, contents: Data((Hex.encode(key.bytes) + "\n").utf8), attributes: [.posixPermissions: 0o600])
        else {
            throw ConfigurationError.unreadableFile(path: path)
        }
        return (key, true, path)
    }
}

public enum Hex {
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
