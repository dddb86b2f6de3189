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
        .withdrawalPost(hold: IdempotencyKey(scope: "test", key: "h"), gateway: .payments("g"), fee: -1),
        .chargeback(units: 0, gateway: .payments("g"), deposit: IdempotencyKey(scope: "test", key: "d")),
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

    @Test func houseAccountsFollowTheirGrammar() {
        let wellFormed = ["bonus", "fees", "games:hub88", "payments:stripe_eu-2", "games:" + String(repeating: "a", count: 60)]
        let malformed = [
            "", ":x", "games:", "Games:hub88", "games:Hub88", "games:hub88:x", "games:hub 88", "gämes:hub88",
            "games:" + String(repeating: "a", count: 61), "bonus1",
        ]
        for code in wellFormed { #expect(HouseAccount(code: code).isWellFormed, "\(code)") }
        for code in malformed { #expect(!HouseAccount(code: code).isWellFormed, "\(code)") }
    }

    /// The hash is SHA-256 over the canonical JSON array documented in Ledger.payloadHash; the
    /// expected values were computed outside Swift (Python's json and hashlib) from that text:
    /// `["1","bet","1","EUR","100","games:p","","","{\"round\":\"r1\"}"]` and the win's.
    @Test func thePayloadHashIsTheSHA256OfItsCanonicalText() {
        let bet = LedgerOperation(
            key: key, player: player, currency: "EUR", movement: .bet(units: 100, house: .games("p")), metadata: ["round": "r1"])
        #expect(Hex.encode(Ledger.payloadHash(bet)) == "79682947a9a1751dca6278aa7499aef6618542e1699bbca21b014d6cee4d4e0a")
        let win = LedgerOperation(
            key: key, player: player, currency: "EUR",
            movement: .win(units: 100, house: .games("p"), bet: IdempotencyKey(scope: "hub88", key: "acme:bet-1")),
            metadata: ["round": "r1", "game": "slot"])
        #expect(Hex.encode(Ledger.payloadHash(win)) == "faecc2373c34d82a5f78105e36016761552a88995d827f141a224335f3d0af94")
    }

    /// A payout's fee is hashed only when there is one, so that a payout applied before fees
    /// existed replays as itself. Expected values computed as above from
    /// `["1","withdrawal_post","1","EUR","","payments:g","test","hold-1","{}"]`, the same with
    /// `"25"` for the amount, and `["1","chargeback","1","EUR","500","payments:g","stripe","dep-1","{}"]`.
    @Test func aPayoutHashesItsFeeOnlyWhenItHasOne() {
        let hold = IdempotencyKey(scope: "test", key: "hold-1")
        func post(_ movement: Movement) -> String {
            Hex.encode(Ledger.payloadHash(LedgerOperation(key: key, player: player, currency: "EUR", movement: movement)))
        }
        let withoutFee = "d4484418774c9e98019a7e535d4b88225ae08df8fbf90758494d04372ce25835"
        #expect(post(.withdrawalPost(hold: hold, gateway: .payments("g"))) == withoutFee)
        #expect(post(.withdrawalPost(hold: hold, gateway: .payments("g"), fee: 0)) == withoutFee)
        #expect(
            post(.withdrawalPost(hold: hold, gateway: .payments("g"), fee: 25))
                == "72528d1544434ca6033d683daf3b27526425895159eb7e04b096af8697039a3a")
        #expect(
            post(.chargeback(units: 500, gateway: .payments("g"), deposit: IdempotencyKey(scope: "stripe", key: "dep-1")))
                == "647d6112fae8157f58b345f2c58b9c142b05d056c025ed057077d73da8b20748")
    }

    /// The key is what is looked up, not part of the payload; metadata order is not a detail.
    @Test func theKeyAndTheMetadataOrderDoNotChangeThePayloadHash() {
        var metadata: [String: String] = [:]
        for name in ["round", "game", "provider"] { metadata[name] = name.uppercased() }
        var reversed: [String: String] = [:]
        for name in ["provider", "game", "round"] { reversed[name] = name.uppercased() }
        let first = LedgerOperation(
            key: key, player: player, currency: "EUR", movement: .bet(units: 100, house: .games("p")), metadata: metadata)
        let other = LedgerOperation(
            key: IdempotencyKey(scope: "other", key: "elsewhere"), player: player, currency: "EUR",
            movement: .bet(units: 100, house: .games("p")), metadata: reversed)
        #expect(Ledger.payloadHash(first) == Ledger.payloadHash(other))
    }

    @Test func everyDetailOfThePayloadChangesItsHash() {
        func bet(
            _ units: Int64 = 100, player: PlayerID = PlayerID(1), currency: String = "EUR", house: String = "p",
            metadata: [String: String] = ["round": "r1"]
        ) -> LedgerOperation {
            LedgerOperation(
                key: key, player: player, currency: currency, movement: .bet(units: units, house: .games(house)),
                metadata: metadata)
        }
        func win(_ reference: IdempotencyKey?) -> LedgerOperation {
            LedgerOperation(
                key: key, player: player, currency: "EUR", movement: .win(units: 100, house: .games("p"), bet: reference),
                metadata: ["round": "r1"])
        }
        let variants: [(String, LedgerOperation)] = [
            ("player", bet(player: PlayerID(2))), ("currency", bet(currency: "USD")), ("amount", bet(101)), ("house", bet(house: "q")),
            ("metadata value", bet(metadata: ["round": "r2"])), ("metadata key", bet(metadata: ["Round": "r1"])),
            ("metadata entry added", bet(metadata: ["round": "r1", "game": ""])),
            ("kind", win(nil)), ("a reference", win(IdempotencyKey(scope: "hub88", key: "b"))),
            ("reference scope", win(IdempotencyKey(scope: "hub89", key: "b"))),
            ("reference key", win(IdempotencyKey(scope: "hub88", key: "c"))),
            // Fields that would run together without quoting and separators.
            ("field boundary", win(IdempotencyKey(scope: "hub88b", key: ""))),
        ]
        var hashes: [[UInt8]: String] = [Ledger.payloadHash(bet()): "the bet"]
        for (detail, variant) in variants {
            let hash = Ledger.payloadHash(variant)
            #expect(hashes[hash] == nil, "changing the \(detail) gave the hash of \(hashes[hash] ?? "")")
            hashes[hash] = detail
        }
    }
}
