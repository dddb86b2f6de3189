import Core
import Crypto
import Foundation

/// A Telegram account as Telegram vouched for it.
public struct TelegramUser: Sendable, Equatable {
    public let id: Int64
    public let firstName: String
    public let lastName: String?
    public let username: String?
    public let photoURL: String?
    public let authDate: Date
}

public enum TelegramAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingField(String)
    case malformed(String)
    case badHash
    case badSignature
    case stale
    case notConfigured

    public var code: String {
        switch self {
        case .missingField, .malformed: "telegramMalformed"
        case .badHash, .badSignature: "telegramSignatureInvalid"
        case .stale: "telegramAuthExpired"
        case .notConfigured: "telegramNotConfigured"
        }
    }

    public var description: String {
        switch self {
        case .missingField(let name): "Telegram data lacks \(name)"
        case .malformed(let detail): "Telegram data is malformed: \(detail)"
        case .badHash: "the Telegram hash does not match"
        case .badSignature: "the Telegram Ed25519 signature does not verify"
        case .stale: "the Telegram auth_date is too old"
        case .notConfigured: "no Telegram bot is configured"
        }
    }
}

/// Verifies what Telegram signed for the two bot-token entry points
/// (https://core.telegram.org/widgets/login, https://core.telegram.org/bots/webapps):
/// the Login Widget (HMAC-SHA256 keyed with SHA256(bot token)) and Mini App `initData`
/// (HMAC-SHA256 keyed with HMAC-SHA256("WebAppData", bot token), plus the Ed25519 `signature`
/// over "<bot id>:WebAppData\n<data>" when present). Every comparison is constant-time.
public struct TelegramVerifier: Sendable {
    /// Telegram's production key for third-party Mini App validation.
    public static let productionPublicKey = "e7bf03a2fa4602af4580703d88dda5bb59f32ed8b02a56c187fe7d34caed242d"

    let botToken: String
    let maxAge: TimeInterval
    let publicKey: Curve25519.Signing.PublicKey?

    public init(botToken: String, maxAge: Duration, publicKeyHex: String = Self.productionPublicKey) {
        self.botToken = botToken
        self.maxAge = Double(maxAge.components.seconds)
        self.publicKey = Hex.decode(publicKeyHex).flatMap { try? Curve25519.Signing.PublicKey(rawRepresentation: $0) }
    }

    /// The bot's id is the part of its token before the colon.
    var botID: String? { botToken.split(separator: ":").first.map(String.init) }

    /// Login Widget fields (`id`, `first_name`, …, `auth_date`, `hash`). The hash comes back in
    /// lower-case hex whatever the client's spelling, so the replay guard sees one value per
    /// signed data.
    public func verifyWidget(_ fields: [String: String], now: Date) throws(TelegramAuthError) -> (user: TelegramUser, hash: String) {
        guard !botToken.isEmpty else { throw .notConfigured }
        guard let hash = fields["hash"] else { throw .missingField("hash") }
        let key = SymmetricKey(data: SHA256.hash(data: Data(botToken.utf8)))
        let verifiedHash = try checkHMAC(Self.dataCheckString(fields, excluding: ["hash"]), key: key, expectedHex: hash)
        let user = try user(
            id: fields["id"], firstName: fields["first_name"], lastName: fields["last_name"], username: fields["username"],
            photoURL: fields["photo_url"], authDate: fields["auth_date"])
        try checkFreshness(user.authDate, now: now)
        return (user, verifiedHash)
    }

    /// Mini App `initData`: a URL-encoded query string whose `user` field is JSON. The hash comes
    /// back in lower-case hex, as for the widget.
    public func verifyInitData(_ initData: String, now: Date) throws(TelegramAuthError) -> (user: TelegramUser, hash: String) {
        guard !botToken.isEmpty else { throw .notConfigured }
        guard initData.utf8.count <= 4096 else { throw .malformed("initData is too long") }
        var fields: [String: String] = [:]
        for pair in initData.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, let name = Self.formDecode(parts[0]), let value = Self.formDecode(parts[1]), fields[name] == nil else {
                throw .malformed("not a query string")
            }
            fields[name] = value
        }
        guard let hash = fields["hash"] else { throw .missingField("hash") }
        let secret = HMAC<SHA256>.authenticationCode(for: Data(botToken.utf8), using: SymmetricKey(data: Data("WebAppData".utf8)))
        let checkString = Self.dataCheckString(fields, excluding: ["hash", "signature"])
        let verifiedHash = try checkHMAC(checkString, key: SymmetricKey(data: Data(secret)), expectedHex: hash)
        if let signature = fields["signature"] {
            guard let publicKey, let botID else { throw .notConfigured }
            guard let bytes = Self.base64URLDecode(signature),
                publicKey.isValidSignature(bytes, for: Data("\(botID):WebAppData\n\(checkString)".utf8))
            else { throw .badSignature }
        }
        guard let userJSON = fields["user"], let data = userJSON.data(using: .utf8),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw .missingField("user") }
        let user = try user(
            id: (object["id"] as? NSNumber).map { $0.stringValue }, firstName: object["first_name"] as? String,
            lastName: object["last_name"] as? String, username: object["username"] as? String, photoURL: object["photo_url"] as? String,
            authDate: fields["auth_date"])
        try checkFreshness(user.authDate, now: now)
        return (user, verifiedHash)
    }

    /// Every field except the excluded ones, sorted by name, `name=value`, joined by "\n".
    static func dataCheckString(_ fields: [String: String], excluding: Set<String>) -> String {
        fields.filter { !excluding.contains($0.key) }.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
    }

    /// The verified hash in lower-case hex: one spelling for the bytes Telegram signed.
    private func checkHMAC(_ message: String, key: SymmetricKey, expectedHex: String) throws(TelegramAuthError) -> String {
        guard let expected = Hex.decode(expectedHex.lowercased()), expected.count == 32 else { throw .badHash }
        guard HMAC<SHA256>.isValidAuthenticationCode(expected, authenticating: Data(message.utf8), using: key) else { throw .badHash }
        return Hex.encode(expected)
    }

    private func checkFreshness(_ authDate: Date, now: Date) throws(TelegramAuthError) {
        let age = now.timeIntervalSince(authDate)
        guard age <= maxAge, age >= -60 else { throw .stale }
    }

    private func user(
        id: String?, firstName: String?, lastName: String?, username: String?, photoURL: String?, authDate: String?
    ) throws(TelegramAuthError) -> TelegramUser {
        guard let idText = id else { throw .missingField("id") }
        guard let id = Int64(idText), id > 0 else { throw .malformed("id") }
        guard let authText = authDate else { throw .missingField("auth_date") }
        guard let seconds = Int64(authText) else { throw .malformed("auth_date") }
        return TelegramUser(
            id: id, firstName: String((firstName ?? "").prefix(128)), lastName: lastName.map { String($0.prefix(128)) },
            username: username.map { String($0.prefix(64)) }, photoURL: photoURL.map { String($0.prefix(512)) },
            authDate: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    static func formDecode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    static func base64URLDecode(_ text: String) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
