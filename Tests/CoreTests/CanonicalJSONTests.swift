import Foundation
import Testing

@testable import Core

@Suite struct CanonicalJSONTests {
    @Test func hostileStringsRoundTripThroughAJSONParser() throws {
        let values = ["quote": "say \"hi\"", "slash": "a\\b", "control": "line\nbreak\t\u{01}", "unicode": "Привет 🎰", "": "empty key"]
        let text = CanonicalJSON.object(values)
        let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
        #expect(parsed == values)
        #expect(CanonicalJSON.object(["b": "1", "a": "2"]) == #"{"a":"2","b":"1"}"#)
        #expect(CanonicalJSON.array(["x", "y\""]) == #"["x","y\""]"#)
    }

    /// The text is stored and hashed by the ledger (a repeated key is a replay only when its
    /// payload's hash is the same), so it is pinned byte for byte: every ASCII character alone,
    /// and characters of two, three and four bytes.
    @Test func theTextIsPinnedByteForByte() {
        let named: [UInt32: String] = [0x0A: #"\n"#, 0x0D: #"\r"#, 0x09: #"\t"#, 0x22: #"\""#, 0x5C: #"\\"#]
        let hex = Array("0123456789abcdef")
        for value in UInt32(0)..<0x80 {
            let character = String(Unicode.Scalar(value)!)
            let expected =
                named[value] ?? (value < 0x20 ? "\\u00" + String(hex[Int(value >> 4)]) + String(hex[Int(value & 0xF)]) : character)
            #expect(CanonicalJSON.quoted(character) == "\"" + expected + "\"", "U+\(String(value, radix: 16))")
        }
        #expect(CanonicalJSON.quoted("\u{7F}\u{E9}\u{20AC}\u{1F3B0}") == "\"\u{7F}\u{E9}\u{20AC}\u{1F3B0}\"")
        #expect(CanonicalJSON.quoted("") == #""""#)
        #expect(CanonicalJSON.object([:]) == "{}")
        #expect(CanonicalJSON.array([]) == "[]")
        #expect(
            CanonicalJSON.object(["round": "r-1\u{0}", "game": "\u{1F}x", "bet": "100", "Bet": "\\"])
                == #"{"Bet":"\\","bet":"100","game":"\u001fx","round":"r-1\u0000"}"#)
        #expect(
            CanonicalJSON.array(["bet", "hub88", "\r\n", "{\"a\":1}"]) == #"["bet","hub88","\r\n","{\"a\":1}"]"#)
    }
}
