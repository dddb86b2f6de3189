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
}
