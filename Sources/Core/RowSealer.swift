import Crypto
import Foundation

/// Seals secrets kept in database rows (staff TOTP secrets, provider keys) with AES-GCM under a
/// purpose key, naming the row they belong to as associated data: a database dump alone opens
/// nothing, and a sealed value copied onto another row by someone who can write the database
/// does not open there.
public struct RowSealer: Sendable {
    private let key: SymmetricKey
    private let purpose: String

    /// `purpose` names the key (`SecretKey.derive`) and prefixes every row name.
    public init(secret: SecretKey, purpose: String) {
        self.key = secret.derive(purpose)
        self.purpose = purpose
    }

    public func seal(_ plaintext: Data, for row: String) throws -> [UInt8] {
        Array(try AES.GCM.seal(plaintext, using: key, authenticating: associatedData(row)).combined!)
    }

    /// Throws `Unopenable` when the value was sealed for another row, under another secret or
    /// purpose, or was altered.
    public func open(_ sealed: [UInt8], for row: String) throws(Unopenable) -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: Data(sealed)), using: key, authenticating: associatedData(row))
        } catch {
            throw Unopenable(purpose: purpose, row: row)
        }
    }

    public struct Unopenable: Error, Equatable, CustomStringConvertible {
        public let purpose: String
        public let row: String
        public init(purpose: String, row: String) {
            self.purpose = purpose
            self.row = row
        }
        public var description: String {
            "the sealed \(purpose) of \(row) does not open: sealed for another row or under another CROUPIER_SECRET_KEY, or altered"
        }
    }

    private func associatedData(_ row: String) -> Data { Data("croupier:\(purpose):\(row)".utf8) }
}
