import Core
import Crypto
import Foundation

/// Stripe's webhook signature scheme (`Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]`), which
/// the sandbox gateway signs with too: each `v1` is hex HMAC-SHA256 over `"<t>.<raw body>"` keyed
/// by the endpoint secret. Any matching `v1` passes (a rolled secret signs with old and new at
/// once); other schemes (`v0`) are ignored; a timestamp older than the tolerance is a replay of
/// an old delivery.
public struct WebhookSignature: Sendable {
    public static let defaultTolerance: TimeInterval = 300

    let secret: SymmetricKey
    let tolerance: TimeInterval

    /// Stripe's endpoint secret (`whsec_…`) is the key as text.
    public init(secret: String, tolerance: TimeInterval = Self.defaultTolerance) {
        self.init(key: SymmetricKey(data: Data(secret.utf8)), tolerance: tolerance)
    }

    public init(key: SymmetricKey, tolerance: TimeInterval = Self.defaultTolerance) {
        self.secret = key
        self.tolerance = tolerance
    }

    /// The header a sender puts on `body` at `timestamp`.
    public func header(body: [UInt8], timestamp: Date) -> String {
        let t = Int64(timestamp.timeIntervalSince1970)
        return "t=\(t),v1=\(Self.hex(HMAC<SHA256>.authenticationCode(for: Array("\(t).".utf8) + body, using: secret)))"
    }

    public func verify(body: [UInt8], header: String?, now: Date) throws(WebhookRefusal) {
        guard let header, let (timestamp, signatures) = Self.parse(header) else { throw .missingSignature }
        var signed = Array("\(timestamp).".utf8)
        signed.append(contentsOf: body)
        let expected = HMAC<SHA256>.authenticationCode(for: signed, using: secret)
        // Each comparison takes the same time however early a wrong signature differs.
        guard signatures.contains(where: { RandomToken.matches($0, Self.hex(expected)) }) else { throw .badSignature }
        guard Double(timestamp) >= now.timeIntervalSince1970 - tolerance else { throw .outsideTolerance }
    }

    /// The one timestamp and every `v1`, or nil when either is missing.
    static func parse(_ header: String) -> (Int64, [String])? {
        var timestamps: [Int64] = []
        var signatures: [String] = []
        for item in header.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            switch pair[0].trimmingCharacters(in: .whitespaces) {
            case "t": if let value = Int64(pair[1]) { timestamps.append(value) }
            case "v1": signatures.append(String(pair[1]))
            default: continue
            }
        }
        guard timestamps.count == 1, !signatures.isEmpty else { return nil }
        return (timestamps[0], signatures)
    }

    static func hex(_ code: HashedAuthenticationCode<SHA256>) -> String { code.map { String(format: "%02x", $0) }.joined() }
}
