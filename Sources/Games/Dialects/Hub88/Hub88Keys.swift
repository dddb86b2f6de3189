import Crypto
import CryptoExtras
import Foundation

/// Hub88's request signature: RSA-SHA256 with PKCS#1 v1.5 padding over the exact body bytes,
/// base64 in `X-Hub88-Signature`. Each side signs with its own private key and verifies with
/// the other's public key.
public enum Hub88Signature {
    public static let header = "X-Hub88-Signature"

    public static func sign(_ body: some DataProtocol, with key: _RSA.Signing.PrivateKey) throws -> String {
        try key.signature(for: SHA256.hash(data: body), padding: .insecurePKCS1v1_5).rawRepresentation.base64EncodedString()
    }

    /// False for a missing, malformed or wrong signature alike.
    public static func isValid(_ signature: String?, for body: some DataProtocol, key: _RSA.Signing.PublicKey) -> Bool {
        guard let signature, signature.utf8.count <= 2048, let bytes = Data(base64Encoded: signature) else { return false }
        return key.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: bytes), for: SHA256.hash(data: body), padding: .insecurePKCS1v1_5)
    }
}

public enum ProviderKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreadablePublicKey
    case unreadablePrivateKey

    public var description: String {
        switch self {
        case .unreadablePublicKey: "the provider key is not an RSA public key in PEM form (-----BEGIN PUBLIC KEY-----)"
        case .unreadablePrivateKey:
            "the operator key is not an RSA private key in PEM form (-----BEGIN PRIVATE KEY----- or RSA PRIVATE KEY)"
        }
    }
}

/// A provider's two keys: theirs (public, verifies their calls to us) and ours (private, signs
/// our calls to them).
public struct ProviderKeys: Sendable {
    public let provider: _RSA.Signing.PublicKey
    public let operatorKey: _RSA.Signing.PrivateKey

    public init(providerPEM: String, operatorPEM: String) throws {
        do { provider = try _RSA.Signing.PublicKey(pemRepresentation: providerPEM) } catch { throw ProviderKeyError.unreadablePublicKey }
        do { operatorKey = try _RSA.Signing.PrivateKey(pemRepresentation: operatorPEM) } catch {
            throw ProviderKeyError.unreadablePrivateKey
        }
    }

    /// "SHA256:" and the first 16 bytes of the SHA-256 of the key's DER SubjectPublicKeyInfo, as
    /// staff see it: enough to compare keys, useless for signing.
    public static func fingerprint(_ key: _RSA.Signing.PublicKey) -> String {
        "SHA256:" + SHA256.hash(data: key.derRepresentation).prefix(16).map { String(format: "%02x", $0) }.joined(separator: ":")
    }
}
