/// JSON text with keys in byte order and no whitespace, written by hand: the ledger hashes and
/// stores it on every operation, and Foundation's serializer is slow on Linux.
///
/// The text is part of what the ledger stores (a payload's hash decides whether a repeated key is
/// a replay), so it must never change for the same values: `CanonicalJSONTests` pins it. It is
/// built byte by byte; scalar by scalar into a `String` it cost about 2 % of the server's CPU under
/// the Hub88 benchmark (docs/benchmarks.md).
public enum CanonicalJSON {
    public static func object(_ values: [String: String]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(values.reduce(2) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        for (index, key) in values.keys.sorted().enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendQuoted(key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendQuoted(values[key]!, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    public static func array(_ values: [String]) -> String {
        var out: [UInt8] = [UInt8(ascii: "[")]
        out.reserveCapacity(values.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendQuoted(value, to: &out)
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    public static func quoted(_ text: String) -> String {
        var out: [UInt8] = []
        appendQuoted(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `text` in quotes: `"` and `\` escaped, newline, return and tab by their letters,
    /// other control characters as `\u00xx` (lower-case hex); every other byte as it is (a
    /// `String`'s UTF-8 is always valid, so multi-byte characters pass whole). Backspace and form
    /// feed go by their letters too when asked, as `JSONEncoder` writes them (Hub88's answers);
    /// never for the ledger's canonical text, whose bytes must not change.
    public static func appendQuoted(_ text: String, to out: inout [UInt8], lettersForBackspaceAndFormFeed: Bool = false) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case UInt8(ascii: "\r"): out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case UInt8(ascii: "\t"): out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x08 where lettersForBackspaceAndFormFeed: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C where lettersForBackspaceAndFormFeed: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case ..<0x20:
                out += [
                    UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hexDigit(byte >> 4), hexDigit(byte & 0xF),
                ]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
