import Core
import Foundation
import Testing

@testable import Games

/// Hub88's answers are written by hand; `JSONEncoder` (with sorted keys and unescaped slashes, as
/// they were written before) is the independent judge of every byte.
@Suite struct Hub88AnswerEncodingTests {
    static func judged(_ answer: Hub88Answer) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(answer))
    }

    @Test func everyAnswerIsWhatJSONEncoderWrites() throws {
        var random = SplitMix64(seed: 88)
        let pieces = (0..<0x80).map { String(Unicode.Scalar(UInt8($0))) } + ["/", "é", "\u{2028}", "🎰", "\u{301}", "\r\n", "RS_OK", ""]
        func text() -> String? {
            guard random.next(in: 0...4) > 0 else { return nil }
            return (0..<random.next(in: 0...6)).map { _ in pieces[random.next(in: 0...(pieces.count - 1))] }.joined()
        }
        let balances: [Int64] = [0, 1, -1, 100_000, .max, .min]
        for _ in 0..<5_000 {
            var answer = Hub88Answer(
                Hub88Status.allCases[random.next(in: 0...(Hub88Status.allCases.count - 1))], requestUUID: text(), user: text(),
                currency: text(),
                balance: random.next(in: 0...3) == 0
                    ? nil : random.next(in: 0...1) == 0 ? balances[random.next(in: 0...5)] : Int64(bitPattern: random.next()))
            answer.country = text()
            answer.registrationDate = text()
            let encoded = answer.encoded()
            let judged = try Self.judged(answer)
            #expect(encoded == judged, "\(String(decoding: encoded, as: UTF8.self)) against \(String(decoding: judged, as: UTF8.self))")
            if encoded != judged { return }
        }
    }

    @Test func aMinimalAndAFullAnswer() {
        #expect(String(decoding: Hub88Answer(.invalidToken).encoded(), as: UTF8.self) == #"{"status":"RS_ERROR_INVALID_TOKEN"}"#)
        var answer = Hub88Answer(.ok, requestUUID: "r/1", user: "u\"1", currency: "EUR", balance: 1_050_000)
        answer.country = "XX"
        answer.registrationDate = "2026-12-06"
        #expect(
            String(decoding: answer.encoded(), as: UTF8.self)
                == #"{"balance":1050000,"country":"XX","currency":"EUR","registration_date":"2026-12-06","request_uuid":"r/1","status":"RS_OK","user":"u\"1"}"#
        )
    }
}
