import CryptoExtras
import Foundation
import Testing

@testable import Games

@Suite struct Hub88AmountTests {
    @Test func wireAmountsConvertExactlyOrNotAtAll() {
        #expect(Hub88Amount.ledgerUnits(wire: 356_000, scale: 5) == 356_000, "fiat keeps Hub88's scale")
        #expect(Hub88Amount.ledgerUnits(wire: 356_000, scale: 8) == 356_000_000, "crypto has three more places")
        #expect(Hub88Amount.ledgerUnits(wire: 356_000, scale: 2) == 356)
        #expect(Hub88Amount.ledgerUnits(wire: 356_001, scale: 2) == nil, "a fraction of a cent is refused, never rounded")
        #expect(Hub88Amount.ledgerUnits(wire: .max, scale: 8) == nil, "overflow is refused")
        #expect(Hub88Amount.wire(units: 12_345_678, scale: 8) == 12_345, "a balance is never shown larger than it is")
        #expect(Hub88Amount.wire(units: 356, scale: 2) == 356_000)
    }
}

@Suite struct Hub88ParsingTests {
    @Test func missingFieldsAreSyntaxAndWrongTypesAreTypes() {
        func status(_ json: String) -> Hub88Status? {
            do {
                _ = try Hub88Wallet.decode(Hub88Request.Transaction.self, Array(json.utf8))
                return nil
            } catch let refusal as Hub88Wallet.Refusal {
                return refusal.status
            } catch {
                return .unknown
            }
        }
        let good =
            #"{"user":"100001","transaction_uuid":"t1","token":"x","round":"r1","round_closed":false,"request_uuid":"q","game_code":"g","currency":"EUR","amount":100000,"meta":{"x":[1,2]},"is_billable":true}"#
        #expect(status(good) == nil, "unknown fields are tolerated")
        #expect(status("{not json") == .wrongSyntax)
        #expect(status(good.replacingOccurrences(of: #""currency":"EUR","#, with: "")) == .wrongSyntax)
        #expect(status(good.replacingOccurrences(of: #""amount":100000"#, with: #""amount":"100000""#)) == .wrongTypes)
        #expect(status(good.replacingOccurrences(of: #""amount":100000"#, with: #""amount":1.5"#)) == .wrongTypes)
        #expect(status(good.replacingOccurrences(of: #""round_closed":false"#, with: #""round_closed":"yes""#)) == .wrongTypes)
        #expect(Hub88Wallet.requestUUID(in: Array(good.utf8)) == "q")
        #expect(Hub88Wallet.player("100001")?.rawValue == 100001)
        #expect(Hub88Wallet.player("-5") == nil && Hub88Wallet.player("abc") == nil && Hub88Wallet.player("99999999999999999999") == nil)
    }

    @Test func signaturesCoverTheExactBytes() throws {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let body = Array(#"{"user":"1","amount":5}"#.utf8)
        let signature = try Hub88Signature.sign(body, with: key)
        #expect(Hub88Signature.isValid(signature, for: body, key: key.publicKey))
        #expect(!Hub88Signature.isValid(signature, for: Array(#"{"user":"1","amount":6}"#.utf8), key: key.publicKey))
        #expect(!Hub88Signature.isValid(nil, for: body, key: key.publicKey))
        #expect(!Hub88Signature.isValid("not base64!", for: body, key: key.publicKey))
        #expect(!Hub88Signature.isValid(signature, for: body, key: try _RSA.Signing.PrivateKey(keySize: .bits2048).publicKey))
    }
}
