import Core
import Foundation
import Testing

@Suite struct RowSealerTests {
    let secret = SecretKey.random()
    let plaintext = Data("the operator's private key".utf8)

    @Test func aSealOpensOnlyForItsRowUnderItsSecretAndPurpose() throws {
        let sealer = RowSealer(secret: secret, purpose: "provider-credentials")
        let sealed = try sealer.seal(plaintext, for: "acme")
        #expect(try sealer.open(sealed, for: "acme") == plaintext)
        #expect(throws: RowSealer.Unopenable(purpose: "provider-credentials", row: "other")) { try sealer.open(sealed, for: "other") }
        #expect(throws: RowSealer.Unopenable(purpose: "staff-totp", row: "acme")) {
            try RowSealer(secret: secret, purpose: "staff-totp").open(sealed, for: "acme")
        }
        #expect(throws: RowSealer.Unopenable(purpose: "provider-credentials", row: "acme")) {
            try RowSealer(secret: .random(), purpose: "provider-credentials").open(sealed, for: "acme")
        }
    }

    @Test func anAlteredSealDoesNotOpen() throws {
        let sealer = RowSealer(secret: secret, purpose: "staff-totp")
        var sealed = try sealer.seal(plaintext, for: "7")
        sealed[sealed.count / 2] ^= 0x01
        #expect(throws: RowSealer.Unopenable(purpose: "staff-totp", row: "7")) { try sealer.open(sealed, for: "7") }
    }
}
