import Core
import Testing

@testable import Ledger

@Suite struct AmountTests {
    @Test(arguments: [
        ("12.345", 5, Int64(1_234_500)), ("0.00001", 5, 1), ("-3", 5, -300_000), ("1.10000000", 5, 110_000),
        ("42", 0, 42), (".5", 2, 50), ("0.00000001", 8, 1), ("92233720368.54775807", 8, Int64.max),
    ])
    func decimalsConvertExactly(text: String, scale: Int, units: Int64) throws {
        #expect(try Amount.units(fromDecimal: text, scale: scale) == units)
    }

    @Test func tooManyDecimalsAreRefusedNotRounded() {
        #expect(throws: AmountError.notRepresentable("0.000001", scale: 5)) { try Amount.units(fromDecimal: "0.000001", scale: 5) }
        #expect(throws: AmountError.notRepresentable("1.005", scale: 2)) { try Amount.units(fromDecimal: "1.005", scale: 2) }
    }

    @Test func amountsBeyondInt64AreRefused() {
        #expect(throws: AmountError.overflow("92233720368.54775808")) { try Amount.units(fromDecimal: "92233720368.54775808", scale: 8) }
        #expect(throws: AmountError.overflow("99999999999999999999")) { try Amount.units(fromDecimal: "99999999999999999999", scale: 0) }
    }

    @Test(arguments: ["", "-", ".", "1e5", "1,5", "abc", "1.2.3", " 1", "１", "0x10", "1."])
    func malformedTextIsRefused(text: String) {
        #expect(throws: AmountError.malformed(text)) { try Amount.units(fromDecimal: text, scale: 5) }
    }

    @Test func unitsFormatAsExactDecimals() {
        #expect(Amount.decimal(units: 1_234_500, scale: 5) == "12.34500")
        #expect(Amount.decimal(units: 1, scale: 8) == "0.00000001")
        #expect(Amount.decimal(units: -5, scale: 2) == "-0.05")
        #expect(Amount.decimal(units: 42, scale: 0) == "42")
        #expect(Amount.decimal(units: .min, scale: 5) == "-92233720368547.75808")
    }

    @Test func formattingRoundTrips() throws {
        for units: Int64 in [0, 1, 99_999, 100_000, 123_456_789, .max, .min + 1] {
            #expect(try Amount.units(fromDecimal: Amount.decimal(units: units, scale: 5), scale: 5) == units)
        }
    }
}

@Suite struct OperationRulesTests {
    let key = IdempotencyKey(scope: "test", key: "k-1")
    let player = PlayerID(1)

    @Test(arguments: [
        Movement.bet(units: 0, house: .games("p")), .deposit(units: -5, gateway: .payments("g")), .adjustment(units: 0),
        .adjustment(units: .min), .bonusGrant(units: -1),
    ])
    func nonPositiveAmountsAreInvalid(movement: Movement) {
        #expect(Ledger.validate(LedgerOperation(key: key, player: player, currency: "EUR", movement: movement)) == .invalidAmount)
    }

    @Test func malformedKeysAreInvalid() {
        for key in [
            IdempotencyKey(scope: "", key: "x"), IdempotencyKey(scope: "Hub88", key: "x"), IdempotencyKey(scope: "hub88", key: ""),
            IdempotencyKey(scope: "hub88", key: "has space"), IdempotencyKey(scope: "hub88", key: String(repeating: "x", count: 201)),
        ] {
            #expect(
                Ledger.validate(LedgerOperation(key: key, player: player, currency: "EUR", movement: .adjustment(units: 1))) == .invalidKey)
        }
    }

    @Test func anyChangedDetailChangesThePayloadHash() {
        let base = LedgerOperation(
            key: key, player: player, currency: "EUR", movement: .bet(units: 100, house: .games("p")), metadata: ["round": "r1"])
        let variants = [
            LedgerOperation(
                key: key, player: PlayerID(2), currency: "EUR", movement: .bet(units: 100, house: .games("p")), metadata: ["round": "r1"]),
            LedgerOperation(
                key: key, player: player, currency: "USD", movement: .bet(units: 100, house: .games("p")), metadata: ["round": "r1"]),
            LedgerOperation(
                key: key, player: player, currency: "EUR", movement: .bet(units: 101, house: .games("p")), metadata: ["round": "r1"]),
            LedgerOperation(
                key: key, player: player, currency: "EUR", movement: .bet(units: 100, house: .games("q")), metadata: ["round": "r1"]),
            LedgerOperation(
                key: key, player: player, currency: "EUR", movement: .bet(units: 100, house: .games("p")), metadata: ["round": "r2"]),
            LedgerOperation(
                key: key, player: player, currency: "EUR", movement: .win(units: 100, house: .games("p"), bet: nil),
                metadata: ["round": "r1"]),
        ]
        let hash = Ledger.payloadHash(base)
        #expect(Ledger.payloadHash(base) == hash)
        for variant in variants { #expect(Ledger.payloadHash(variant) != hash) }
    }
}
